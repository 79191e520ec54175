/**
 * JavaScript packages, as syft's image cataloger (javascript-package-cataloger) and trivy's node-pkg
 * analyzer find them: every `package.json` in the image (those under node_modules are installed
 * packages; an application's own package.json is listed too). A package.json without a name or a
 * version (build helpers like `{"type":"module"}`) is not a package and is skipped, as trivy does.
 */
import type { Readable } from 'node:stream';
import { z } from 'zod';
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
  async extract(stream: Readable) {
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

const personSchema = z.union([z.string(), z.object({ name: z.string().optional(), email: z.string().optional(), url: z.string().optional() })]);
const licenseSchema = z.union([z.string(), z.object({ type: z.string().optional() }).passthrough()]);

/** The fields of package.json this cataloger reads; anything else is dropped, malformed fields ignored. */
const packageJsonSchema = z.object({
  name: z.string().optional().catch(undefined),
  version: z.string().optional().catch(undefined),
  license: licenseSchema.optional().catch(undefined),
  licenses: z.array(licenseSchema).optional().catch(undefined),
  author: personSchema.optional().catch(undefined),
  homepage: z.string().optional().catch(undefined),
  private: z.boolean().optional().catch(undefined),
  /** Set by `extract` instead of the fields when the file was too large to read. */
  skipped: z.string().optional().catch(undefined),
});
export type PackageJson = z.infer<typeof packageJsonSchema>;

export function parsePackageJson(content: Buffer | string): PackageJson | undefined {
  let data: unknown;
  try {
    data = JSON.parse(typeof content === 'string' ? content : content.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = packageJsonSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
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
  const typeOf = (l: z.infer<typeof licenseSchema>): string | undefined => (typeof l === 'string' ? l : l.type);
  if (manifest.license !== undefined) return uniqueLicenses([typeOf(manifest.license)]);
  return uniqueLicenses((manifest.licenses ?? []).map(typeOf));
}

function formatPerson(person: z.infer<typeof personSchema> | undefined): string | undefined {
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
