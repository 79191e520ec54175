/**
 * Package URLs exactly as syft writes them (anchore/packageurl-go `ToString`): every namespace segment,
 * the name and the version escaped like Go's `url.QueryEscape` with `+` turned into `%20` (so `+` in a
 * Debian version becomes `%2B` and an epoch's `:` becomes `%3A`), and the qualifiers with empty values
 * dropped, sorted by key. packageurl-js leaves `+` and `:` in versions alone and normalizes pypi names,
 * so it does not produce syft's bytes; this small encoder does.
 */
import type { Distro } from './types';

export interface PurlParts {
  type: string;
  /** Slash-separated; each segment is escaped on its own (golang module paths, npm scopes). */
  namespace?: string;
  name: string;
  version?: string;
  /** Empty or undefined values are left out, like syft does. */
  qualifiers?: Record<string, string | undefined>;
}

/** Go's url.QueryEscape, then `+` → `%20`: only `A-Z a-z 0-9 - _ . ~` stay as they are. */
export function purlEscape(value: string): string {
  // Most names and versions need no escaping: skip the byte loop for them (thousands per image).
  if (NOTHING_TO_ESCAPE.test(value)) return value;
  let out = '';
  // Byte-wise over UTF-8, as Go does; never throws (a lone surrogate becomes U+FFFD's bytes).
  for (const byte of Buffer.from(value, 'utf8')) {
    out += UNRESERVED[byte] ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const NOTHING_TO_ESCAPE = /^[A-Za-z0-9\-_.~]*$/;

const UNRESERVED: boolean[] = Array.from({ length: 256 }, (_, b) => {
  const c = String.fromCharCode(b);
  return /^[A-Za-z0-9\-_.~]$/.test(c);
});

export function formatPurl(parts: PurlParts): string {
  const segments = [parts.type];
  for (const segment of (parts.namespace ?? '').split('/')) {
    if (segment !== '') segments.push(purlEscape(segment));
  }
  let nameWithVersion = purlEscape(parts.name);
  if (parts.version) nameWithVersion += `@${purlEscape(parts.version)}`;
  segments.push(nameWithVersion);

  const qualifiers = Object.entries(parts.qualifiers ?? {})
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${purlEscape(key)}=${purlEscape(value)}`);
  return `pkg:${segments.join('/')}${qualifiers.length > 0 ? `?${qualifiers.join('&')}` : ''}`;
}

/** syft's `distro` qualifier: `<ID>-<VERSION_ID>` (`debian-12`, `alpine-3.19.0`, `rhel-9.3`), or just the ID. */
export function distroQualifier(distro: Distro | undefined): string | undefined {
  if (!distro) return undefined;
  const parts = [distro.id, distro.versionId].filter((p): p is string => !!p);
  return parts.length > 0 ? parts.join('-') : undefined;
}
