/**
 * What every provider's mapping returns, and the small pieces they share. A provider mapping only
 * says what its CI knows; `buildProvenancePredicate` adds the times and byproducts and assembles it.
 */
import type { ResourceDescriptor } from '../attest/statement';
import type { BuildDefinition } from './types';

export interface ProviderProvenance {
  buildDefinition: BuildDefinition;
  builderId: string;
  invocationId?: string;
  /** When the CI job started, if the CI says so (RFC 3339). */
  jobStartedOn?: string;
  /** What could not be filled in, in words a user can act on. */
  warnings: string[];
}

/**
 * The source as SLSA names it: `git+<repository>@<ref>` with the commit as `gitCommit` (the in-toto
 * digest-set name GitHub uses). Without a repository there is nothing to name.
 */
export function sourceDependency(repository: string | undefined, ref: string | undefined, commit: string | undefined): ResourceDescriptor[] {
  if (!repository) return [];
  const dependency: ResourceDescriptor = { uri: `git+${repository}${ref ? `@${ref}` : ''}` };
  if (commit) dependency.digest = { gitCommit: commit };
  return [dependency];
}

/**
 * Drops `undefined` members and the objects left empty by that, so a field a CI does not provide is
 * absent rather than null or `{}`. Arrays are kept as they are.
 */
export function compact<T>(value: T): T {
  if (Array.isArray(value) || value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    if (member === undefined) continue;
    const cleaned = compact(member);
    if (cleaned !== null && typeof cleaned === 'object' && !Array.isArray(cleaned) && Object.keys(cleaned).length === 0) continue;
    out[key] = cleaned;
  }
  return out as T;
}

/** A timestamp as RFC 3339 in whole seconds, UTC — the form SLSA examples and GitLab use. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A CI-provided timestamp, normalized; undefined when it does not parse. */
export function parseTimestamp(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : rfc3339(new Date(time));
}
