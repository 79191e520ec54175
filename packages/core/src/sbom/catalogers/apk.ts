/**
 * Alpine (and Wolfi, Chainguard) packages from /lib/apk/db/installed: one entry per package, separated
 * by blank lines, one `X:value` field per line (P name, V version, A arch, L licence, o origin,
 * m maintainer, T description, U url, ...). See https://wiki.alpinelinux.org/wiki/Apk_spec.
 */
import { distroQualifier, formatPurl } from '../purl';
import type { CatalogContext, Cataloger, CollectedFiles, Distro, Package } from '../types';
import { splitDeclaredLicenses } from './licenses';

const DB_PATH = '/lib/apk/db/installed';
const REPOSITORIES_PATH = '/etc/apk/repositories';
const MAX_DB_BYTES = 64 * 1024 * 1024;

export const apkCataloger: Cataloger = {
  name: 'apk',
  wants(path) {
    if (path === DB_PATH) return MAX_DB_BYTES;
    if (path === REPOSITORIES_PATH) return 64 * 1024;
    return false;
  },
  catalog(files, context) {
    return catalogApk(files, context);
  },
};

export interface ApkEntry {
  name: string;
  version: string;
  architecture?: string;
  license?: string;
  origin?: string;
  maintainer?: string;
  description?: string;
  url?: string;
}

export function parseApkDatabase(text: string): ApkEntry[] {
  const entries: ApkEntry[] = [];
  let fields = new Map<string, string>();
  const finish = (): void => {
    const name = fields.get('P');
    if (name) {
      const entry: ApkEntry = { name, version: fields.get('V') ?? '' };
      const optional: [keyof ApkEntry, string][] = [
        ['architecture', 'A'],
        ['license', 'L'],
        ['origin', 'o'],
        ['maintainer', 'm'],
        ['description', 'T'],
        ['url', 'U'],
      ];
      for (const [property, key] of optional) {
        const value = fields.get(key);
        if (value) entry[property] = value;
      }
      entries.push(entry);
    }
    fields = new Map();
  };
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === '') {
      finish();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || colon === line.length - 1) continue;
    const key = line.slice(0, colon);
    // File records (F, R, M, a, Z) repeat within an entry; package fields do not, the first stands.
    if (!fields.has(key)) fields.set(key, line.slice(colon + 1));
  }
  finish();
  return entries;
}

export function catalogApk(files: CollectedFiles, context: CatalogContext): Package[] {
  const db = files.get(DB_PATH);
  if (!db) return [];
  if (db.content.length < db.size) {
    context.warn?.(`${DB_PATH} is larger than ${db.content.length} bytes; only the packages in its first part are listed`);
  }
  const distro = context.distro ?? distroFromRepositories(files.get(REPOSITORIES_PATH)?.content.toString('utf8'));
  return parseApkDatabase(db.content.toString('utf8')).map((entry) => {
    const pkg: Package = {
      name: entry.name,
      version: entry.version,
      type: 'apk',
      purl: apkPurl(entry, distro),
      licenses: splitDeclaredLicenses(entry.license),
      locations: [{ path: db.path, layerDigest: db.layerDigest }],
    };
    if (entry.architecture) pkg.architecture = entry.architecture;
    if (entry.origin) pkg.sourceName = entry.origin;
    if (entry.maintainer) pkg.supplier = entry.maintainer;
    return pkg;
  });
}

/** syft's apk purl: `upstream` names the origin package when it differs. Empty without a distribution. */
export function apkPurl(entry: Pick<ApkEntry, 'name' | 'version' | 'architecture' | 'origin'>, distro: Distro | undefined): string {
  if (!distro) return '';
  return formatPurl({
    type: 'apk',
    namespace: distro.id.toLowerCase(),
    name: entry.name,
    version: entry.version,
    qualifiers: {
      arch: entry.architecture,
      upstream: entry.origin !== undefined && entry.origin !== entry.name ? entry.origin : undefined,
      distro: distroQualifier(distro),
    },
  });
}

/** Without an os-release file, the Alpine release named by the package repositories (as syft does). */
export function distroFromRepositories(text: string | undefined): Distro | undefined {
  const match = /^https:\/\/.*\.alpinelinux\.org\/alpine\/v([^/]+)\/([a-zA-Z0-9_]+)$/m.exec(text ?? '');
  return match?.[1] ? { id: 'alpine', name: 'Alpine Linux', versionId: match[1] } : undefined;
}
