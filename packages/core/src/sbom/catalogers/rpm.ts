/**
 * RPM packages from the SQLite rpm database of current RHEL/UBI, Fedora, CentOS Stream, Rocky, Alma,
 * Amazon Linux 2023, Mariner/Azure Linux (rpm >= 4.16): each row of its `Packages` table holds one rpm
 * header. The database is opened in memory with sql.js (SQLite compiled to WebAssembly), never written
 * to disk. The older Berkeley DB (`Packages`) and SUSE's NDB (`Packages.db`) formats are reported as
 * unsupported rather than read.
 */
import type { SqlJsStatic } from 'sql.js';
import { distroQualifier, formatPurl } from '../purl';
import type { CatalogContext, Cataloger, CollectedFile, CollectedFiles, Distro, Package } from '../types';
import { parseRpmHeader, type RpmHeaderInfo } from './rpm-header';

const DB_DIRS = ['/var/lib/rpm/', '/usr/lib/sysimage/rpm/', '/usr/share/rpm/'];
const SQLITE_NAME = 'rpmdb.sqlite';
const WAL_NAME = 'rpmdb.sqlite-wal';
const BDB_NAME = 'Packages';
const NDB_NAME = 'Packages.db';
const MAX_SQLITE_BYTES = 128 * 1024 * 1024;
/** For the formats we only recognize: a few bytes tell that the file is there. */
const PRESENCE_BYTES = 16;

type DbKind = 'sqlite' | 'wal' | 'bdb' | 'ndb';

function dbKind(path: string): DbKind | undefined {
  const dir = DB_DIRS.find((d) => path.startsWith(d));
  if (!dir) return undefined;
  switch (path.slice(dir.length)) {
    case SQLITE_NAME:
      return 'sqlite';
    case WAL_NAME:
      return 'wal';
    case BDB_NAME:
      return 'bdb';
    case NDB_NAME:
      return 'ndb';
    default:
      return undefined;
  }
}

export const rpmCataloger: Cataloger = {
  name: 'rpm',
  wants(path) {
    const kind = dbKind(path);
    if (!kind) return false;
    return kind === 'sqlite' ? MAX_SQLITE_BYTES : PRESENCE_BYTES;
  },
  catalog(files, context) {
    return catalogRpm(files, context);
  },
};

let sqlJs: Promise<SqlJsStatic> | undefined;
/** sql.js is loaded, and compiles its WebAssembly, on first use, once per process (most images have no rpm database). */
function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJs ??= import('sql.js').then((m) => m.default());
  return sqlJs;
}

export async function catalogRpm(files: CollectedFiles, context: CatalogContext): Promise<Package[]> {
  const collected = files.all().map((file) => ({ file, kind: dbKind(file.path) }));
  const sqliteDbs = collected.filter((c) => c.kind === 'sqlite').map((c) => c.file);
  for (const { file, kind } of collected) {
    if (kind === 'wal' && file.size > 0) {
      context.warn?.(`${file.path} holds changes not yet written to the rpm database; packages installed by them are not listed`);
    }
  }
  if (sqliteDbs.length === 0) {
    for (const { file, kind } of collected) {
      if (kind === 'bdb') {
        context.warn?.(`${file.path}: Berkeley DB rpmdb not supported (only the SQLite rpmdb.sqlite of rpm 4.16 and later); its RPM packages are not listed`);
      } else if (kind === 'ndb') {
        context.warn?.(`${file.path}: NDB rpmdb not supported (only the SQLite rpmdb.sqlite of rpm 4.16 and later); its RPM packages are not listed`);
      }
    }
    return [];
  }

  const packages: Package[] = [];
  const seen = new Set<string>();
  for (const db of sqliteDbs) {
    for (const header of await readRpmDatabase(db, context)) {
      // gpg-pubkey "packages" are imported signing keys, not software.
      if (header.name === 'gpg-pubkey') continue;
      const pkg = packageFromHeader(header, db, context.distro);
      const key = `${pkg.name}\u0000${pkg.version}\u0000${pkg.architecture ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      packages.push(pkg);
    }
  }
  return packages;
}

/** Every header in an rpmdb.sqlite; a broken database or header becomes a warning. */
export async function readRpmDatabase(db: CollectedFile, context: CatalogContext): Promise<RpmHeaderInfo[]> {
  if (db.content.length < db.size) {
    context.warn?.(`${db.path} is larger than ${MAX_SQLITE_BYTES / (1024 * 1024)} MiB; its RPM packages are not listed`);
    return [];
  }
  const SQL = await loadSqlJs();
  let database: InstanceType<SqlJsStatic['Database']> | undefined;
  const headers: RpmHeaderInfo[] = [];
  let broken = 0;
  try {
    database = new SQL.Database(db.content);
    const statement = database.prepare('SELECT blob FROM Packages');
    try {
      while (statement.step()) {
        const [blob] = statement.get();
        if (!(blob instanceof Uint8Array)) {
          broken++;
          continue;
        }
        try {
          headers.push(parseRpmHeader(blob));
        } catch {
          broken++;
        }
      }
    } finally {
      statement.free();
    }
  } catch (error) {
    context.warn?.(`${db.path} cannot be read as an rpm SQLite database (${(error as Error).message}); its RPM packages are not listed`);
    return [];
  } finally {
    database?.close();
  }
  if (broken > 0) context.warn?.(`${db.path}: ${broken} malformed package header(s) skipped`);
  return headers;
}

function packageFromHeader(h: RpmHeaderInfo, db: CollectedFile, distro: Distro | undefined): Package {
  const pkg: Package = {
    name: h.name,
    version: elVersion(h),
    type: 'rpm',
    purl: rpmPurl(h, distro),
    licenses: h.license ? [h.license] : [],
    locations: [{ path: db.path, layerDigest: db.layerDigest }],
    metadata: { release: h.release },
  };
  if (h.arch) pkg.architecture = h.arch;
  if (h.vendor) pkg.supplier = h.vendor;
  const source = parseSourceRpm(h.sourceRpm);
  if (source) {
    pkg.sourceName = source.name;
    pkg.sourceVersion = source.version;
  }
  const metadata = pkg.metadata ?? {};
  if (h.epoch !== undefined) metadata.epoch = String(h.epoch);
  if (h.sourceRpm) metadata.sourceRpm = h.sourceRpm;
  if (h.modularityLabel) metadata.modularityLabel = h.modularityLabel;
  return pkg;
}

/** syft's version: `[epoch:]version-release` (the epoch is part of how RPM versions compare). */
export function elVersion(h: Pick<RpmHeaderInfo, 'epoch' | 'version' | 'release'>): string {
  return `${h.epoch !== undefined ? `${h.epoch}:` : ''}${h.version}-${h.release}`;
}

/** `bash-5.1.8-6.el9.src.rpm` → bash, 5.1.8-6.el9. */
export function parseSourceRpm(sourceRpm: string | undefined): { name: string; version: string } | undefined {
  const base = sourceRpm?.replace(/\.(?:no)?src\.rpm$/, '');
  if (!base || base === sourceRpm) return undefined;
  const releaseDash = base.lastIndexOf('-');
  const versionDash = base.lastIndexOf('-', releaseDash - 1);
  if (versionDash <= 0) return undefined;
  return { name: base.slice(0, versionDash), version: base.slice(versionDash + 1) };
}

/**
 * syft's rpm purl: namespace is the distribution ID (`rhel` → `redhat`, `opensuse-*` → `opensuse`),
 * the version `version-release` with the epoch as a qualifier (purl-spec), the source rpm as `upstream`.
 */
export function rpmPurl(
  h: Pick<RpmHeaderInfo, 'name' | 'version' | 'release' | 'epoch' | 'arch' | 'sourceRpm'>,
  distro: Distro | undefined,
): string {
  let namespace = distro?.id ?? '';
  if (namespace === 'rhel' || namespace === 'hummingbird') namespace = 'redhat';
  if (namespace.startsWith('opensuse')) namespace = 'opensuse';
  return formatPurl({
    type: 'rpm',
    namespace,
    name: h.name,
    version: `${h.version}-${h.release}`,
    qualifiers: {
      arch: h.arch,
      epoch: h.epoch !== undefined ? String(h.epoch) : undefined,
      upstream: h.sourceRpm,
      distro: distroQualifier(distro),
    },
  });
}
