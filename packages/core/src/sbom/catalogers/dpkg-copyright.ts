/**
 * Licences from a Debian `/usr/share/doc/<package>/copyright` file, as syft reads them: only
 * machine-readable (DEP-5) files count, i.e. those whose first non-blank line is the `Format:` URI;
 * from them the first word of every `License:` field and every `/usr/share/common-licenses/<name>`
 * reference, without multi-licence summaries ("X and Y") or "none", sorted and unique.
 */

const FORMAT_HEADER = /^Format:\s*https?:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\//;
const LICENSE_FIELD = /^License: (\S*)/;
const COMMON_LICENSE = /\/usr\/share\/common-licenses\/([0-9A-Za-z_.-]+)/;
const LICENSE_AGREEMENT = /^\s*(LICENSE AGREEMENT(?: FOR .+?)?)\s*$/i;

export function parseCopyrightLicenses(text: string): string[] {
  const found = new Set<string>();
  let formatVerified = false;
  for (const line of text.split('\n')) {
    if (!formatVerified) {
      if (line.trim() === '') continue;
      if (!FORMAT_HEADER.test(line)) return [];
      formatVerified = true;
    }
    for (const pattern of [LICENSE_FIELD, COMMON_LICENSE, LICENSE_AGREEMENT]) {
      const match = pattern.exec(line);
      const license = match?.[1] !== undefined ? singleLicense(match[1]) : undefined;
      if (license) found.add(license);
    }
  }
  return [...found].sort();
}

function singleLicense(candidate: string): string | undefined {
  const value = candidate.replace(/\n/g, ' ').trim();
  // A summary of several licences: the individual License: fields name each of them.
  if (value.includes(' or ') || value.includes(' and ')) return undefined;
  if (value === '' || value.toLowerCase() === 'none') return undefined;
  return value.replace(/\.$/, '');
}

/**
 * What `extract` keeps of a copyright file: only the lines the parser above looks at, so a large
 * copyright text costs a few bytes of memory. Returns the same licences as the whole file would.
 */
export function reduceCopyright(text: string): string {
  const kept: string[] = [];
  let formatVerified = false;
  for (const line of text.split('\n')) {
    if (!formatVerified) {
      if (line.trim() === '') continue;
      if (!FORMAT_HEADER.test(line)) return '';
      formatVerified = true;
      kept.push(line);
      continue;
    }
    if (LICENSE_FIELD.test(line) || COMMON_LICENSE.test(line) || LICENSE_AGREEMENT.test(line)) kept.push(line);
  }
  return kept.join('\n');
}
