/**
 * The image's distribution, from /etc/os-release (usually a symlink to /usr/lib/os-release) or
 * /usr/lib/os-release, as syft identifies it. It catalogs no packages: the orchestrator calls
 * `detectDistro` with this cataloger's files first and hands the result to the others as
 * `context.distro`, since the deb, apk and rpm package URLs name the distribution.
 */
import type { Cataloger, CollectedFiles, Distro } from '../types';

export const OS_RELEASE_CATALOGER_NAME = 'os-release';

/** In syft's order: the first that parses wins. */
const OS_RELEASE_PATHS = ['/etc/os-release', '/usr/lib/os-release'];
/** Debian's point release ("12.7"), which syft (1.41+) prefers to os-release's VERSION_ID ("12"). */
const DEBIAN_VERSION_PATH = '/etc/debian_version';
const MAX_BYTES = 64 * 1024;

export const osReleaseCataloger: Cataloger = {
  name: OS_RELEASE_CATALOGER_NAME,
  wants(path) {
    return OS_RELEASE_PATHS.includes(path) || path === DEBIAN_VERSION_PATH ? MAX_BYTES : false;
  },
  catalog() {
    return [];
  },
};

/** The distribution of the final filesystem, or undefined when no os-release file names one. */
export function detectDistro(files: CollectedFiles): Distro | undefined {
  for (const path of OS_RELEASE_PATHS) {
    const file = files.get(path);
    if (!file) continue;
    const distro = distroFromOsRelease(parseOsRelease(file.content.toString('utf8')));
    if (distro) return supplementDebianVersion(distro, files);
  }
  return undefined;
}

/**
 * os-release(5): `KEY=value` lines, values optionally in single or double quotes with shell-style
 * backslash escapes inside double quotes; comments and malformed lines are ignored.
 */
export function parseOsRelease(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    if (!/^[A-Za-z0-9_]+$/.test(key)) continue;
    values.set(key, unquote(line.slice(eq + 1).trim()));
  }
  return values;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\([\\"$`])/g, '$1');
  }
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
    return value.slice(1, -1);
  }
  return value;
}

function distroFromOsRelease(values: Map<string, string>): Distro | undefined {
  const id = values.get('ID');
  if (!id) return undefined;
  const idLike = (values.get('ID_LIKE') ?? '').split(/\s+/).filter((s) => s !== '');
  const distro: Distro = { id };
  const versionId = values.get('VERSION_ID');
  if (versionId) distro.versionId = versionId;
  const codename = values.get('VERSION_CODENAME');
  if (codename) distro.versionCodename = codename;
  const name = values.get('NAME');
  if (name) distro.name = name;
  const prettyName = values.get('PRETTY_NAME');
  if (prettyName) distro.prettyName = prettyName;
  if (idLike.length > 0) distro.idLike = idLike;
  return distro;
}

function supplementDebianVersion(distro: Distro, files: CollectedFiles): Distro {
  if (distro.id.toLowerCase() !== 'debian') return distro;
  const file = files.get(DEBIAN_VERSION_PATH);
  const version = file?.content.toString('utf8').trim();
  return version && /^\d+(?:\.\d+)?$/.test(version) ? { ...distro, versionId: version } : distro;
}
