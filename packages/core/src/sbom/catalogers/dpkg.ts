/**
 * Debian packages: /var/lib/dpkg/status, or distroless images' /var/lib/dpkg/status.d/<name> files,
 * with licences from each package's DEP-5 copyright file, as syft reports them.
 */
import { distroQualifier, formatPurl } from '../purl';
import type { CatalogContext, Cataloger, CollectedFile, CollectedFiles, Distro, Package } from '../types';
import { parseStanzas, type Stanza } from './control-stanzas';
import { parseCopyrightLicenses, reduceCopyright } from './dpkg-copyright';
import { splitDeclaredLicenses, uniqueLicenses } from './licenses';
import { readBounded } from './stream';

const STATUS_PATH = '/var/lib/dpkg/status';
const STATUS_DIR = '/var/lib/dpkg/status.d/';
const COPYRIGHT = /^\/usr\/share\/doc\/([^/]+)\/copyright$/;
const MAX_STATUS_BYTES = 64 * 1024 * 1024;
const MAX_STATUS_D_BYTES = 1024 * 1024;
const MAX_COPYRIGHT_BYTES = 1024 * 1024;

export const dpkgCataloger: Cataloger = {
  name: 'dpkg',
  wants(path) {
    if (path === STATUS_PATH) return MAX_STATUS_BYTES;
    if (isStatusDEntry(path)) return MAX_STATUS_D_BYTES;
    if (COPYRIGHT.test(path)) return MAX_COPYRIGHT_BYTES;
    return false;
  },
  async extract(stream: AsyncIterable<Buffer>, file) {
    if (COPYRIGHT.test(file.path)) {
      // Keep only the licence lines: copyright texts can be large and there is one per package.
      const { content } = await readBounded(stream, MAX_COPYRIGHT_BYTES);
      return Buffer.from(reduceCopyright(content.toString('utf8')), 'utf8');
    }
    const limit = file.path === STATUS_PATH ? MAX_STATUS_BYTES : MAX_STATUS_D_BYTES;
    return (await readBounded(stream, limit)).content;
  },
  catalog(files, context) {
    return catalogDpkg(files, context);
  },
};

function isStatusDEntry(path: string): boolean {
  if (!path.startsWith(STATUS_DIR)) return false;
  const name = path.slice(STATUS_DIR.length);
  // distroless keeps <name>.md5sums beside each <name>; those list files, not packages.
  return name !== '' && !name.includes('/') && !name.endsWith('.md5sums');
}

export function catalogDpkg(files: CollectedFiles, context: CatalogContext): Package[] {
  const databases = files.all().filter((f) => f.path === STATUS_PATH || isStatusDEntry(f.path));
  const packages: Package[] = [];
  const seen = new Set<string>();
  for (const db of databases) {
    if (db.content.length < db.size) {
      context.warn?.(`${db.path} is larger than ${db.content.length} bytes; only the packages in its first part are listed`);
    }
    for (const stanza of parseStanzas(db.content.toString('utf8'))) {
      const pkg = packageFromStanza(stanza, db, files, context.distro);
      if (!pkg) continue;
      const key = `${pkg.name}\u0000${pkg.version}\u0000${pkg.architecture ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      packages.push(pkg);
    }
  }
  return packages;
}

/** Whether a stanza describes a package whose files are on disk (dpkg -l's "ii", "hi", "iU"...). */
export function isInstalled(status: string | undefined): boolean {
  // distroless status.d entries carry no Status field: they are installed by construction.
  if (status === undefined) return true;
  const [want, , state] = status.split(/\s+/);
  if (want === 'deinstall' || want === 'purge') return false;
  return state !== 'not-installed' && state !== 'config-files';
}

function packageFromStanza(stanza: Stanza, db: CollectedFile, files: CollectedFiles, distro: Distro | undefined): Package | undefined {
  const name = stanza.get('package');
  if (!name || !isInstalled(stanza.get('status'))) return undefined;
  const version = stanza.get('version') ?? '';
  const architecture = stanza.get('architecture');
  const { sourceName, sourceVersion } = parseSource(stanza.get('source'));

  const locations = [{ path: db.path, layerDigest: db.layerDigest }];
  // opkg-style databases declare the licence inline; Debian's never do (it is in the copyright file).
  const licenses = splitDeclaredLicenses(stanza.get('license'));
  const copyright = files.get(`/usr/share/doc/${name}/copyright`);
  if (copyright) {
    licenses.push(...parseCopyrightLicenses(copyright.content.toString('utf8')));
    locations.push({ path: copyright.path, layerDigest: copyright.layerDigest });
  }

  const pkg: Package = {
    name,
    version,
    type: 'deb',
    purl: debPurl({ name, version, architecture, sourceName, sourceVersion }, distro),
    licenses: uniqueLicenses(licenses),
    locations,
  };
  if (architecture) pkg.architecture = architecture;
  if (sourceName) pkg.sourceName = sourceName;
  if (sourceVersion) pkg.sourceVersion = sourceVersion;
  const maintainer = stanza.get('maintainer');
  if (maintainer) pkg.supplier = maintainer;
  return pkg;
}

/** `Source: name` or `Source: name (version)` (the binary's version differs from the source's). */
export function parseSource(source: string | undefined): { sourceName?: string; sourceVersion?: string } {
  const match = /^(\S+)(?: \((.*)\))?/.exec(source?.trim() ?? '');
  if (!match?.[1]) return {};
  return match[2] ? { sourceName: match[1], sourceVersion: match[2] } : { sourceName: match[1] };
}

/**
 * syft's deb purl: only for Debian and its derivatives (ID or ID_LIKE debian), with the source package
 * in the non-standard `upstream` qualifier grype matches on. Empty when the distribution is unknown.
 */
export function debPurl(
  p: { name: string; version: string; architecture?: string; sourceName?: string; sourceVersion?: string },
  distro: Distro | undefined,
): string {
  if (!distro || (distro.id !== 'debian' && !(distro.idLike ?? []).includes('debian'))) return '';
  const upstream = p.sourceName ? (p.sourceVersion ? `${p.sourceName}@${p.sourceVersion}` : p.sourceName) : undefined;
  return formatPurl({
    type: 'deb',
    namespace: distro.id,
    name: p.name,
    version: p.version,
    qualifiers: { arch: p.architecture, upstream, distro: distroQualifier(distro) },
  });
}
