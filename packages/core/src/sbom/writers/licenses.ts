/**
 * Licences as package databases record them are a mix of SPDX identifiers (`MIT`), SPDX expressions
 * (`MIT OR Apache-2.0`) and free text (`GPL-2+`, `BSD`). Both formats need to know which is which:
 * CycloneDX writes ids, one expression, or names; SPDX needs one valid expression, with free text
 * turned into `LicenseRef-` identifiers.
 */
import { createHash } from 'node:crypto';
import parse from 'spdx-expression-parse';

export type ClassifiedLicense =
  | { kind: 'id'; value: string }
  | { kind: 'expression'; value: string }
  | { kind: 'name'; value: string };

/** Distinct, trimmed, non-empty licences in their recorded order. */
export function distinctLicenses(licenses: readonly string[]): string[] {
  return [...new Set(licenses.map((l) => l.trim()).filter((l) => l.length > 0))];
}

/** Images repeat a handful of licences thousands of times; parsing each once matters for big images. */
const classified = new Map<string, ClassifiedLicense>();
const MAX_REMEMBERED = 10_000;

export function classifyLicense(text: string): ClassifiedLicense {
  let result = classified.get(text);
  if (!result) {
    result = classifyUncached(text);
    if (classified.size < MAX_REMEMBERED) classified.set(text, result);
  }
  return result;
}

function classifyUncached(text: string): ClassifiedLicense {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(text);
  } catch {
    return { kind: 'name', value: text };
  }
  if ('license' in parsed && !parsed.plus && !parsed.exception && !parsed.license.startsWith('LicenseRef-')) {
    return { kind: 'id', value: parsed.license };
  }
  return { kind: 'expression', value: text };
}

/** `LicenseRef-` + the text reduced to the characters an SPDX idstring allows. */
export function licenseRef(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '');
  return `LicenseRef-${cleaned || 'unknown'}`;
}

/**
 * One SPDX expression for all of a package's licences (joined with AND, as each applies), free text
 * replaced by LicenseRefs; `refs` collects the free text per LicenseRef for `hasExtractedLicensingInfos`.
 */
export function spdxExpression(licenses: readonly string[], refs: Map<string, string>): string | undefined {
  const parts = distinctLicenses(licenses).map((text) => {
    const classified = classifyLicense(text);
    if (classified.kind === 'id') return classified.value;
    if (classified.kind === 'expression') return /\s/.test(classified.value) && !isWrapped(classified.value) ? `(${classified.value})` : classified.value;
    let ref = licenseRef(text);
    // Two texts that clean up to the same reference ("GPL 2", "GPL-2") stay two licences.
    if (refs.has(ref) && refs.get(ref) !== text) ref = `${ref}-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
    refs.set(ref, text);
    return ref;
  });
  if (parts.length === 0) return undefined;
  const unique = [...new Set(parts)];
  // A lone parenthesized expression reads better without its parentheses.
  return unique.length === 1 && isWrapped(unique[0]!) ? unique[0]!.slice(1, -1) : unique.length === 1 ? unique[0] : unique.join(' AND ');
}

/** Whether the whole text is one parenthesized group: `(A OR B)`, not `(A) AND (B)`. */
function isWrapped(text: string): boolean {
  if (!text.startsWith('(') || !text.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    if (depth === 0 && i < text.length - 1) return false;
  }
  return true;
}
