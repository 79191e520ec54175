/**
 * Installed Python distributions, as syft's python-installed-package-cataloger finds them: wheel
 * installs (`*.dist-info/METADATA`) and eggs (`*.egg-info/PKG-INFO`, or an `*.egg-info` file). The
 * metadata is PyPA core metadata: RFC 822 style headers, then the description (not kept).
 */
import { formatPurl } from '../purl';
import type { Cataloger, CollectedFile, CollectedFiles, Package } from '../types';
import { uniqueLicenses } from './licenses';
import { readBounded } from './stream';

const MAX_METADATA_BYTES = 4 * 1024 * 1024;
/** A License field longer than this is the licence's text, not its name. */
const MAX_LICENSE_NAME_LENGTH = 100;

export function isPythonMetadataPath(path: string): boolean {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const dir = path.slice(path.lastIndexOf('/', slash - 1) + 1, slash);
  if (base === 'METADATA' && /dist-info$/i.test(dir)) return true;
  if (base === 'PKG-INFO' && /egg-info$/i.test(dir)) return true;
  return base.endsWith('.egg-info');
}

export const pythonCataloger: Cataloger = {
  name: 'python',
  wants(path) {
    return isPythonMetadataPath(path) ? MAX_METADATA_BYTES : false;
  },
  async extract(stream: AsyncIterable<Buffer>) {
    // The headers are all we read; the description after them can be long.
    const { content } = await readBounded(stream, MAX_METADATA_BYTES);
    return Buffer.from(metadataHeaders(content.toString('utf8')), 'utf8');
  },
  catalog(files) {
    return catalogPython(files);
  },
};

/** The header block: everything before the first blank line that follows a header. */
function metadataHeaders(text: string): string {
  const lines = text.split('\n');
  const kept: string[] = [];
  for (const line of lines) {
    if (line.trim() === '') {
      if (kept.length > 0) break;
      continue;
    }
    kept.push(line);
  }
  return kept.join('\n');
}

/** Field name → values (repeated fields such as Classifier keep every value), continuation lines joined. */
export function parseCoreMetadata(text: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  let last: string[] | undefined;
  for (const rawLine of metadataHeaders(text).split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if ((line.startsWith(' ') || line.startsWith('\t')) && last && last.length > 0) {
      last[last.length - 1] += `\n${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const values = fields.get(key) ?? [];
    values.push(line.slice(colon + 1).trim());
    fields.set(key, values);
    last = values;
  }
  return fields;
}

export function catalogPython(files: CollectedFiles): Package[] {
  const packages: Package[] = [];
  for (const file of files.all()) {
    const pkg = packageFromMetadata(file);
    if (pkg) packages.push(pkg);
  }
  return packages;
}

/** PEP 503 normalization, as syft names Python packages: lower case, runs of `-_.` become `-`. */
export function normalizePythonName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

function packageFromMetadata(file: CollectedFile): Package | undefined {
  const fields = parseCoreMetadata(file.content.toString('utf8'));
  const first = (key: string): string | undefined => fields.get(key)?.[0]?.trim() || undefined;
  const rawName = first('name');
  const version = first('version');
  // "Python" in an egg-info is the interpreter itself (Python 2.7 images), not a package.
  if (!rawName || !version || rawName === 'Python') return undefined;
  const name = normalizePythonName(rawName);
  const pkg: Package = {
    name,
    version,
    type: 'python',
    purl: formatPurl({ type: 'pypi', name, version }),
    licenses: pythonLicenses(fields),
    locations: [{ path: file.path, layerDigest: file.layerDigest }],
  };
  const supplier = first('author') ?? first('author-email') ?? first('maintainer') ?? first('maintainer-email');
  if (supplier) pkg.supplier = supplier;
  return pkg;
}

/**
 * License-Expression (PEP 639) when present; else the License field when it is a name rather than a
 * licence text; else the `License ::` trove classifiers' last segment (`MIT License`).
 */
export function pythonLicenses(fields: Map<string, string[]>): string[] {
  const expression = fields.get('license-expression')?.[0]?.trim();
  if (expression) return [expression];
  const license = fields.get('license')?.[0]?.trim();
  if (license && license !== 'UNKNOWN' && !license.includes('\n') && license.length <= MAX_LICENSE_NAME_LENGTH) return [license];
  const fromClassifiers = (fields.get('classifier') ?? [])
    .map((c) => c.split('::').map((s) => s.trim()))
    .filter((parts) => parts[0] === 'License' && parts.length > 1)
    .map((parts) => parts[parts.length - 1])
    .filter((last) => last !== 'OSI Approved');
  return uniqueLicenses(fromClassifiers);
}
