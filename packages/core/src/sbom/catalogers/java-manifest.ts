/**
 * What a Java archive says about itself, read the way syft reads it: META-INF/MANIFEST.MF (a main
 * section and per-entry sections of `Key: value` lines, continuation lines starting with a space),
 * the archive's file name (`name-1.2.3.jar`), and the Maven group ID hidden in manifest fields.
 */

export interface JavaManifest {
  main: [string, string][];
  sections: [string, string][][];
}

export function parseJavaManifest(text: string): JavaManifest {
  const sections: [string, string][][] = [];
  let current: [string, string][] | undefined;
  let lastKey = false;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === '') {
      current = undefined;
      lastKey = false;
      continue;
    }
    if (line.startsWith(' ')) {
      const last = current?.[current.length - 1];
      if (lastKey && last) last[1] += line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    if (key === '') continue;
    if (!current) {
      current = [];
      sections.push(current);
    }
    current.push([key, line.slice(colon + 1).trim()]);
    lastKey = true;
  }
  return { main: sections[0] ?? [], sections: sections.slice(1) };
}

export function manifestValue(manifest: JavaManifest | undefined, key: string): string | undefined {
  if (!manifest) return undefined;
  const fromMain = manifest.main.find(([k]) => k === key)?.[1];
  if (fromMain) return fromMain;
  for (const section of manifest.sections) {
    const value = section.find(([k]) => k === key)?.[1];
    if (value) return value;
  }
  return undefined;
}

function mainValue(manifest: JavaManifest | undefined, key: string): string | undefined {
  return manifest?.main.find(([k]) => k === key)?.[1] || undefined;
}

export interface ArchiveFilename {
  name: string;
  version: string;
  extension: string;
}

/**
 * `commons-lang3-3.12.0.jar` → commons-lang3, 3.12.0; also `foo_1.2.jar`, `jetpack-build235-rc5.jar`.
 * The same split as syft's nameAndVersionPattern (RE2, ungreedy): the shortest name (letter-led words
 * joined by dashes) followed by `-` and a version (a digit, `build<digit>`, or exactly `r<n>`/`rc<n>`),
 * else the whole stem as the name; then a `_1.2` / `.1.2` suffix as the version. Written out by hand
 * because that expression, run by a backtracking engine, takes exponential time on hostile names.
 */
export function parseArchiveFilename(path: string): ArchiveFilename {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const extension = dot > 0 ? base.slice(dot + 1) : '';
  let name = '';
  let version = '';
  const validPrefix = archiveNamePrefixes(stem);
  for (let i = stem.indexOf('-'); i >= 0; i = stem.indexOf('-', i + 1)) {
    if (validPrefix[i] && isArchiveVersion(stem.slice(i + 1), true)) {
      name = stem.slice(0, i);
      version = stem.slice(i + 1);
      break;
    }
  }
  if (name === '' && isArchiveName(stem)) name = stem;
  if (version === '' && name !== '') {
    for (let j = 0; j < name.length; j++) {
      if ('._-'.includes(name[j] ?? '') && isArchiveVersion(name.slice(j + 1), false)) {
        version = name.slice(j + 1);
        name = name.slice(0, j);
        break;
      }
    }
  }
  return { name, version, extension };
}

/** Letter-led words of `[A-Za-z0-9_.]`, each optionally followed by one dash. */
function isArchiveName(text: string): boolean {
  return /^[A-Za-z][\w.]*(?:-[A-Za-z][\w.]*)*-?$/.test(text);
}

/** For every i, whether `text.slice(0, i)` is an archive name: one pass, so linear in the name. */
function archiveNamePrefixes(text: string): boolean[] {
  const valid: boolean[] = [false];
  let ok = /^[A-Za-z]/.test(text);
  for (let i = 1; i <= text.length; i++) {
    const c = text[i - 1] ?? '';
    if (!/[\w.-]/.test(c)) ok = false;
    // A dash inside the name must start another word; a dash at its very end is allowed.
    if (i >= 2 && text[i - 2] === '-' && !/[A-Za-z]/.test(c)) ok = false;
    valid.push(ok);
  }
  return valid;
}

function isArchiveVersion(text: string, ignoreCase: boolean): boolean {
  return (ignoreCase ? /^(?:\d|build\d)|^rc?\d+$/i : /^(?:\d|build\d)|^rc?\d+$/).test(text) && !text.includes('\n');
}

/** syft's selectName: the Maven bundle plugin's symbolic name, the file name, then manifest names. */
export function selectName(manifest: JavaManifest | undefined, filename: ArchiveFilename): string {
  const fromBundlePlugin = nameFromMavenBundlePlugin(manifest);
  if (fromBundlePlugin) return fromBundlePlugin;
  const fromFilename = nameFromFilename(filename);
  if (fromFilename) return fromFilename;
  for (const key of ['Name', 'Bundle-Name', 'Short-Name', 'Extension-Name', 'Implementation-Title']) {
    const value = mainValue(manifest, key);
    if (value) return value;
  }
  return '';
}

function nameFromMavenBundlePlugin(manifest: JavaManifest | undefined): string | undefined {
  if (!(mainValue(manifest, 'Created-By') ?? '').includes('Apache Maven Bundle Plugin')) return undefined;
  const symbolicName = mainValue(manifest, 'Bundle-SymbolicName');
  if (!symbolicName) return undefined;
  // Some bundles use the group ID alone as their symbolic name.
  if (mainValue(manifest, 'Implementation-Vendor-Id') === symbolicName) return undefined;
  const fields = symbolicName.split('.');
  return fields[fields.length - 1];
}

function nameFromFilename(filename: ArchiveFilename): string {
  const name = filename.name;
  if (name.includes('.')) {
    if (name.startsWith('org.eclipse.')) return name;
    // group.artifact: by convention artifact IDs have no dots.
    const fields = name.split('.');
    if (fields.every((f) => /^[\p{Lu}\p{Ll}\p{Lt}\p{Lm}\p{Lo}\p{Nl}\p{Sc}\p{Pc}]/u.test(f))) return fields[fields.length - 1] ?? name;
  }
  return name;
}

const VERSION_FIELDS = ['Implementation-Version', 'Specification-Version', 'Plugin-Version', 'Bundle-Version'];
const LICENSE_FIELDS = ['Bundle-License', 'Plugin-License-Name'];

/** syft's selectVersion: the file name's version, then the manifest's version fields. */
export function selectVersion(manifest: JavaManifest | undefined, filename: ArchiveFilename): string {
  if (filename.version) return filename.version;
  for (const key of VERSION_FIELDS) {
    const value = manifestValue(manifest, key);
    if (value) return value;
  }
  return '';
}

export function selectLicenses(manifest: JavaManifest | undefined): string[] {
  return LICENSE_FIELDS.map((key) => manifestValue(manifest, key)).filter((v): v is string => !!v);
}

const PRIMARY_GROUP_ID_FIELDS = [
  'Group-Id',
  'Bundle-SymbolicName',
  'Extension-Name',
  'Specification-Vendor',
  'Implementation-Vendor',
  'Implementation-Vendor-Id',
  'Implementation-Title',
  'Bundle-Activator',
];
const SECONDARY_GROUP_ID_FIELDS = ['Automatic-Module-Name', 'Main-Class', 'Package'];

/**
 * Every key the selectors above read from any manifest section (not only the main one): the archive
 * reader keeps these from the other sections and drops the rest (signed jars have a section per class).
 */
export const SECTION_KEYS_READ: ReadonlySet<string> = new Set([...VERSION_FIELDS, ...LICENSE_FIELDS, ...PRIMARY_GROUP_ID_FIELDS, ...SECONDARY_GROUP_ID_FIELDS]);
const TOP_LEVEL_DOMAINS = ['com', 'org', 'net', 'io', 'be'];

/** A group ID guessed from manifest fields that look like reverse domain names (syft's rules). */
export function groupIdFromManifest(manifest: JavaManifest | undefined): string | undefined {
  if (!manifest) return undefined;
  for (const fields of [PRIMARY_GROUP_ID_FIELDS, SECONDARY_GROUP_ID_FIELDS]) {
    const candidates: string[] = [];
    for (const key of fields) {
      for (const section of [manifest.main, ...manifest.sections]) {
        for (const [k, value] of section) {
          if (k === key && TOP_LEVEL_DOMAINS.some((d) => value.startsWith(d))) candidates.push(cleanGroupId(value));
        }
      }
    }
    candidates.sort();
    if (candidates[0]) return candidates[0];
  }
  return undefined;
}

/** Drops OSGi directives (`org.bar;uses:="org.foo"`) and fragments. */
export function cleanGroupId(groupId: string): string {
  return (groupId.split(';')[0] ?? '').split('#')[0]?.trim() ?? '';
}
