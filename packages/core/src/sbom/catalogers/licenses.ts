/**
 * Licence fields as package databases declare them. Like syft: a value that is a valid SPDX
 * expression stays whole (`MPL-2.0 AND MIT`); anything else is a space-separated list of names
 * (`GPL2 BSD`), which apk and opkg databases use.
 */
import parseSpdx from 'spdx-expression-parse';

export function isSpdxExpression(value: string): boolean {
  try {
    parseSpdx(value);
    return true;
  } catch {
    return false;
  }
}

export function splitDeclaredLicenses(raw: string | undefined): string[] {
  const value = raw?.trim();
  if (!value) return [];
  if (isSpdxExpression(value)) return [value];
  return value.split(/\s+/).filter((s) => s !== '');
}

/** Unique, in first-seen order, blanks dropped. */
export function uniqueLicenses(values: Iterable<string | undefined>): string[] {
  const seen = new Set<string>();
  for (const value of values) {
    const v = value?.trim();
    if (v) seen.add(v);
  }
  return [...seen];
}
