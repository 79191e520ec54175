/**
 * JavaScript packages, as syft's image cataloger (javascript-package-cataloger) and trivy's node-pkg
 * analyzer find them: every `package.json` in the image (those under node_modules are installed
 * packages; an application's own package.json is listed too). A package.json without a name or a
 * version (build helpers like `{"type":"module"}`) is not a package and is skipped, as trivy does.
 */
import { formatPurl } from '../purl';
import type { CatalogContext, Cataloger, CollectedFile, CollectedFiles, Package } from '../types';
import { uniqueLicenses } from './licenses';
import { readBounded } from './stream';

const MAX_PACKAGE_JSON_BYTES = 4 * 1024 * 1024;

export const npmCataloger: Cataloger = {
  name: 'npm',
  wants(path) {
    return path.endsWith('/package.json') ? MAX_PACKAGE_JSON_BYTES : false;
  },
  async extract(stream: AsyncIterable<Buffer>) {
    // Keep only the fields an SBOM uses: installed package.json files can carry whole READMEs.
    const { content, truncated } = await readBounded(stream, MAX_PACKAGE_JSON_BYTES);
    if (truncated) return Buffer.from(JSON.stringify({ skipped: `larger than ${MAX_PACKAGE_JSON_BYTES} bytes; not read` }), 'utf8');
    const manifest = parsePackageJson(content);
    return manifest ? Buffer.from(JSON.stringify(manifest), 'utf8') : undefined;
  },
  catalog(files, context) {
    return catalogNpm(files, context);
  },
};

type Person = string | { name?: string; email?: string; url?: string };
type License = string | { type?: string };

/** The fields of package.json this cataloger reads; anything else is dropped, malformed fields ignored. */
export interface PackageJson {
  name?: string;
  version?: string;
  license?: License;
  licenses?: License[];
  author?: Person;
  homepage?: string;
  private?: boolean;
  /** Set by `extract` instead of the fields when the file was too large to read. */
  skipped?: string;
}

// Plain checks rather than a zod schema: this runs twice for every package.json of every image
// (thousands), once inside the layer walk, where a schema's per-call cost showed in profiles.
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const optionalString = (value: unknown): value is string | undefined => value === undefined || typeof value === 'string';
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function asLicense(value: unknown): License | undefined {
  if (typeof value === 'string') return value;
  // The deprecated `{ "type": "MIT", "url": … }` form; other keys are kept out of the result.
  if (isRecord(value) && optionalString(value.type)) return value.type === undefined ? {} : { type: value.type };
  return undefined;
}

function asLicenses(value: unknown): License[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const licenses: License[] = [];
  for (const item of value) {
    const license = asLicense(item);
    if (license === undefined) return undefined; // one malformed entry: the field is ignored, as a whole
    licenses.push(license);
  }
  return licenses;
}

function asPerson(value: unknown): Person | undefined {
  if (typeof value === 'string') return value;
  if (!isRecord(value) || !optionalString(value.name) || !optionalString(value.email) || !optionalString(value.url)) return undefined;
  const person: Exclude<Person, string> = {};
  if (value.name !== undefined) person.name = value.name;
  if (value.email !== undefined) person.email = value.email;
  if (value.url !== undefined) person.url = value.url;
  return person;
}

/** The fields we read, each only when well-formed; undefined when the file is not a JSON object. */
export function parsePackageJson(content: Buffer | string): PackageJson | undefined {
  let data: unknown;
  try {
    data = JSON.parse(typeof content === 'string' ? content : content.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(data)) return undefined;
  const manifest: PackageJson = {};
  const set = <K extends keyof PackageJson>(key: K, value: PackageJson[K] | undefined) => {
    if (value !== undefined) manifest[key] = value;
  };
  set('name', asString(data.name));
  set('version', asString(data.version));
  set('license', asLicense(data.license));
  set('licenses', asLicenses(data.licenses));
  set('author', asPerson(data.author));
  set('homepage', asString(data.homepage));
  set('private', typeof data.private === 'boolean' ? data.private : undefined);
  set('skipped', asString(data.skipped));
  return manifest;
}

export function catalogNpm(files: CollectedFiles, context: CatalogContext = {}): Package[] {
  const packages: Package[] = [];
  for (const file of files.all()) {
    const manifest = parsePackageJson(file.content);
    if (manifest?.skipped) context.warn?.(`${file.path}: ${manifest.skipped}`);
    const pkg = manifest && packageFromManifest(manifest, file);
    if (pkg) packages.push(pkg);
  }
  return packages;
}

function packageFromManifest(manifest: PackageJson, file: CollectedFile): Package | undefined {
  const name = manifest?.name?.trim();
  const version = manifest?.version?.trim();
  if (!name || !version) return undefined;
  const pkg: Package = {
    name,
    version,
    type: 'npm',
    purl: npmPurl(name, version),
    licenses: npmLicenses(manifest),
    locations: [{ path: file.path, layerDigest: file.layerDigest }],
  };
  const author = formatPerson(manifest.author);
  if (author) pkg.supplier = author;
  if (manifest.homepage) pkg.metadata = { homepage: manifest.homepage };
  return pkg;
}

/** `license` (a string, or the deprecated `{type}`), else the deprecated `licenses: [{type}]`. */
export function npmLicenses(manifest: PackageJson): string[] {
  const typeOf = (l: License): string | undefined => (typeof l === 'string' ? l : l.type);
  if (manifest.license !== undefined) return uniqueLicenses([typeOf(manifest.license)]);
  return uniqueLicenses((manifest.licenses ?? []).map(typeOf));
}

function formatPerson(person: Person | undefined): string | undefined {
  if (person === undefined) return undefined;
  if (typeof person === 'string') return person.trim() || undefined;
  let text = person.name ?? '';
  if (person.email) text += ` <${person.email}>`;
  if (person.url) text += ` (${person.url})`;
  return text.trim() || undefined;
}

/** `@scope/name` puts the scope in the namespace: pkg:npm/%40types/ms@0.7.34. */
export function npmPurl(name: string, version: string): string {
  const slash = name.indexOf('/');
  return slash > 0
    ? formatPurl({ type: 'npm', namespace: name.slice(0, slash), name: name.slice(slash + 1), version })
    : formatPurl({ type: 'npm', name, version });
}
