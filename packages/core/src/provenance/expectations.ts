/**
 * What a verifier may require of verified provenance, as slsa-verifier and `gh attestation verify`
 * let it: built from this source repository, at this ref, by this builder. Held against the predicate
 * only after its signature and subject verified.
 *
 * - `sourceUri` matches a `resolvedDependencies[].uri`, with or without the `git+` prefix, the scheme
 *   (`github.com/o/r` matches `git+https://github.com/o/r@refs/heads/main`) and `.git`; with `@REF`
 *   it must name that ref too.
 * - `sourceRef` matches the ref of that dependency: `refs/heads/main` exactly, or `main` as the branch
 *   or tag of that name.
 * - `builderId` matches `runDetails.builder.id` exactly, or — given without `@` — any version of it
 *   (`https://github.com/o/r/.github/workflows/release.yml` matches `…release.yml@refs/tags/v1`).
 */
import { slsaProvenanceV1Schema } from './types';

export interface ProvenanceExpectations {
  sourceUri?: string;
  sourceRef?: string;
  builderId?: string;
}

export function hasExpectations(expected: ProvenanceExpectations): boolean {
  return expected.sourceUri !== undefined || expected.sourceRef !== undefined || expected.builderId !== undefined;
}

/** Why the predicate does not meet the expectations; empty when it does. */
export function provenanceMismatches(predicate: unknown, expected: ProvenanceExpectations): string[] {
  const parsed = slsaProvenanceV1Schema.safeParse(predicate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return [`the predicate is not SLSA v1 provenance: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`];
  }
  const { buildDefinition, runDetails } = parsed.data;
  const reasons: string[] = [];

  if (expected.builderId !== undefined && !builderMatches(runDetails.builder.id, expected.builderId)) {
    reasons.push(`the builder id is ${runDetails.builder.id}, not ${expected.builderId}`);
  }

  if (expected.sourceUri !== undefined || expected.sourceRef !== undefined) {
    const uris = (buildDefinition.resolvedDependencies ?? []).map((d) => d.uri).filter((u): u is string => typeof u === 'string');
    const want = expected.sourceUri !== undefined ? parseSourceUri(expected.sourceUri) : undefined;
    const matches = uris.map(parseSourceUri).filter((have) => {
      if (want && !sameLocation(have, want)) return false;
      if (want?.ref !== undefined && !refMatches(have.ref, want.ref)) return false;
      if (expected.sourceRef !== undefined && !refMatches(have.ref, expected.sourceRef)) return false;
      return true;
    });
    if (matches.length === 0) {
      const wanted = [expected.sourceUri, expected.sourceRef !== undefined ? `ref ${expected.sourceRef}` : undefined].filter(Boolean).join(' at ');
      reasons.push(`no resolved dependency is ${wanted} (the provenance names ${uris.length ? uris.join(', ') : 'no source'})`);
    }
  }
  return reasons;
}

export interface SourceUri {
  /** Lower-cased scheme without `git+`, when the URI had one. */
  scheme?: string;
  /** Host (lower-cased, no user info) and path, without a trailing `/` or `.git`. */
  location: string;
  ref?: string;
}

/** `git+https://user@host/o/r.git@refs/heads/main` → {scheme https, location host/o/r, ref refs/heads/main}. */
export function parseSourceUri(uri: string): SourceUri {
  let rest = uri.trim();
  if (rest.startsWith('git+')) rest = rest.slice('git+'.length);
  let scheme: string | undefined;
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest);
  if (schemeMatch) {
    scheme = schemeMatch[1]!.toLowerCase();
    rest = rest.slice(schemeMatch[0].length);
  }
  // The ref follows the first `@` after the host (an `@` before the first `/` is user info); refs,
  // tags in particular, may themselves contain `@`.
  const slash = rest.indexOf('/');
  let ref: string | undefined;
  if (slash >= 0) {
    const at = rest.indexOf('@', slash);
    if (at >= 0) {
      ref = rest.slice(at + 1);
      rest = rest.slice(0, at);
    }
  }
  let host = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash) : '';
  if (host.includes('@')) host = host.slice(host.lastIndexOf('@') + 1);
  const location = `${host.toLowerCase()}${path}`.replace(/\/+$/, '').replace(/\.git$/, '');
  return { scheme, location, ref: ref || undefined };
}

function sameLocation(have: SourceUri, want: SourceUri): boolean {
  if (want.scheme !== undefined && have.scheme !== want.scheme) return false;
  return have.location === want.location;
}

/** `refs/heads/main` matches itself; `main` matches `refs/heads/main` and `refs/tags/main`. */
export function refMatches(actual: string | undefined, expected: string): boolean {
  if (actual === undefined) return false;
  if (actual === expected) return true;
  return !expected.startsWith('refs/') && (actual === `refs/heads/${expected}` || actual === `refs/tags/${expected}`);
}

function builderMatches(actual: string, expected: string): boolean {
  if (actual === expected) return true;
  return !expected.includes('@') && actual.split('@')[0] === expected;
}
