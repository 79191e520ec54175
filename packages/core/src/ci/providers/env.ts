/** Small helpers every provider uses to read its variables the same way. */
import type { SecretRegistry } from '../../exec/secrets';
import type { Env } from '../context';
import { stripUrlCredentials } from '../repository-url';

/** A variable's value, trimmed; unset and empty are the same thing in CI environments. */
export function readVar(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * The listed variables that are set, for `CiContext.raw`. The lists name no secret variables; URL
 * credentials (GitLab's clone URL holds the job token) are stripped and registered all the same.
 */
export function pickRaw(env: Env, names: readonly string[], registry: SecretRegistry): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const name of names) {
    const value = readVar(env, name);
    if (value !== undefined) raw[name] = stripUrlCredentials(value, registry);
  }
  return raw;
}

/** `https://host/path/` → `https://host/path`, so joined URLs do not get double slashes. */
export function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The ref-derived parts: `refs/heads/x` names branch x, `refs/tags/v1` names tag v1. */
export function refParts(ref: string | undefined): { branch?: string; tag?: string } {
  if (!ref) return {};
  if (ref.startsWith('refs/heads/')) return { branch: ref.slice('refs/heads/'.length) };
  if (ref.startsWith('refs/tags/')) return { tag: ref.slice('refs/tags/'.length) };
  return {};
}

/** The full ref for a tag or a branch, tag first (a tag build is about the tag). */
export function fullRef(tag: string | undefined, branch: string | undefined): string | undefined {
  if (tag) return `refs/tags/${tag}`;
  if (branch) return `refs/heads/${branch}`;
  return undefined;
}

/** The host (with port) of a URL, or undefined when it does not parse. */
export function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host || undefined;
  } catch {
    return undefined;
  }
}
