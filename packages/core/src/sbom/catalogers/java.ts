/**
 * Java archives (jar, war, ear and their kin), as syft's java-archive-cataloger names them: one package
 * per archive with a manifest (named from its pom.properties when one matches the file name, else from
 * the manifest and the file name), one per other pom.properties inside it, and the same for nested
 * archives. An archive streams through `extract`, which keeps only a small summary of it.
 */
import { formatPurl } from '../purl';
import type { CatalogContext, Cataloger, CollectedFile, CollectedFiles, Package } from '../types';
import { type ArchiveSummary, JAVA_ARCHIVE, MAX_ARCHIVE_BYTES, type PomProperties, summarizeArchive } from './java-archive';
import {
  type ArchiveFilename,
  cleanGroupId,
  groupIdFromManifest,
  type JavaManifest,
  manifestValue,
  parseArchiveFilename,
  selectLicenses,
  selectName,
  selectVersion,
} from './java-manifest';
import { uniqueLicenses } from './licenses';
import { readBounded } from './stream';

export const javaArchiveCataloger: Cataloger = {
  name: 'java-archive',
  wants(path) {
    return JAVA_ARCHIVE.test(path) ? MAX_ARCHIVE_BYTES : false;
  },
  async extract(stream: AsyncIterable<Buffer>, file) {
    const { content, truncated } = await readBounded(stream, MAX_ARCHIVE_BYTES);
    const summary: ArchiveSummary = truncated
      ? { pomProperties: [], nested: [], problems: [`${file.size} bytes, more than the ${MAX_ARCHIVE_BYTES}-byte limit for Java archives; not read`] }
      : await summarizeArchive(content);
    return Buffer.from(JSON.stringify(summary), 'utf8');
  },
  catalog(files, context) {
    return catalogJavaArchives(files, context);
  },
};

// What `extract` stored (or a cache entry holds) is checked with plain type tests, as in the npm
// cataloger: a summary that does not have this shape is unreadable, never trusted.
const isString = (value: unknown): value is string => typeof value === 'string';
const isPairs = (value: unknown): value is [string, string][] =>
  Array.isArray(value) && value.every((pair) => Array.isArray(pair) && pair.length === 2 && isString(pair[0]) && isString(pair[1]));
const isOptionalString = (value: unknown) => value === undefined || isString(value);

function isManifest(value: unknown): value is JavaManifest {
  const manifest = value as Partial<JavaManifest> | null;
  return typeof manifest === 'object' && manifest !== null && isPairs(manifest.main) && Array.isArray(manifest.sections) && manifest.sections.every(isPairs);
}

function isPom(value: unknown): value is PomProperties {
  const pom = value as Partial<PomProperties> | null;
  return typeof pom === 'object' && pom !== null && isString(pom.path) && isOptionalString(pom.groupId) && isOptionalString(pom.artifactId) && isOptionalString(pom.version);
}

function isSummary(value: unknown, depth = 0): value is ArchiveSummary {
  const summary = value as Partial<ArchiveSummary> | null;
  if (typeof summary !== 'object' || summary === null || depth > 16) return false;
  return (
    (summary.manifest === undefined || isManifest(summary.manifest)) &&
    Array.isArray(summary.pomProperties) &&
    summary.pomProperties.every(isPom) &&
    Array.isArray(summary.problems) &&
    summary.problems.every(isString) &&
    Array.isArray(summary.nested) &&
    summary.nested.every((n: unknown) => typeof n === 'object' && n !== null && isString((n as { path?: unknown }).path) && isSummary((n as { summary?: unknown }).summary, depth + 1))
  );
}

export async function catalogJavaArchives(files: CollectedFiles, context: CatalogContext): Promise<Package[]> {
  const packages: Package[] = [];
  for (const file of files.all()) {
    // The archive itself when a walker handed over the whole file rather than extract's summary.
    const summary = isZip(file.content) ? await summarizeArchive(file.content) : readSummary(file);
    if (!summary) {
      context.warn?.(`${file.path}: the Java archive summary is unreadable; its packages are not listed`);
      continue;
    }
    packages.push(...packagesFromArchive(summary, file.path, file, context));
  }
  return packages;
}

function isZip(content: Buffer): boolean {
  return content.length >= 4 && content.readUInt32LE(0) === 0x04034b50;
}

function readSummary(file: CollectedFile): ArchiveSummary | undefined {
  try {
    const parsed: unknown = JSON.parse(file.content.toString('utf8'));
    return isSummary(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

interface JavaPackageDraft {
  name: string;
  version: string;
  manifest?: JavaManifest;
  pom?: PomProperties;
  licenses: string[];
  virtualPath: string;
}

/** The packages of one archive (and, recursively, of the archives inside it). */
export function packagesFromArchive(
  summary: ArchiveSummary,
  virtualPath: string,
  file: Pick<CollectedFile, 'path' | 'layerDigest'>,
  context: CatalogContext,
): Package[] {
  for (const problem of summary.problems) context.warn?.(`${virtualPath}: ${problem}`);
  const filename = parseArchiveFilename(virtualPath.slice(virtualPath.lastIndexOf(':') + 1));
  const poms = [...summary.pomProperties].sort((a, b) => (parentPath(a) < parentPath(b) ? -1 : parentPath(a) > parentPath(b) ? 1 : 0));
  const drafts: JavaPackageDraft[] = [];

  const main = mainPackage(summary.manifest, poms, filename, virtualPath);
  if (main) {
    drafts.push(main);
    // Other pom.properties are packages shaded or bundled into this one (syft reads them only when
    // the archive itself is a package).
    for (const pom of poms) {
      if (!pom.artifactId) continue;
      if (identityMatches(pom, main)) {
        main.name = pom.artifactId;
        main.version = pom.version ?? main.version;
        main.pom ??= pom;
        continue;
      }
      drafts.push({ name: pom.artifactId, version: pom.version ?? '', pom, licenses: [], virtualPath: `${virtualPath}:${pom.groupId ?? ''}:${pom.artifactId}` });
    }
  }

  const location = { path: file.path, layerDigest: file.layerDigest };
  const packages = drafts.map((d) => toPackage(d, location));
  for (const nested of summary.nested) {
    packages.push(...packagesFromArchive(nested.summary, `${virtualPath}:${nested.path}`, file, context));
  }
  return packages;
}

function mainPackage(
  manifest: JavaManifest | undefined,
  poms: PomProperties[],
  filename: ArchiveFilename,
  virtualPath: string,
): JavaPackageDraft | undefined {
  // syft: no manifest, no package for the archive itself; Weave-Classes marks New Relic instrumentation
  // jars that would otherwise pass for the library they instrument.
  if (!manifest || manifestValue(manifest, 'Weave-Classes') !== undefined) return undefined;
  const artifactIds = new Set(poms.map((p) => p.artifactId ?? ''));
  const pom = poms.find((p) => artifactIdMatchesFilename(p.artifactId, filename.name, artifactIds));
  return {
    name: pom?.artifactId || selectName(manifest, filename),
    version: pom?.version || selectVersion(manifest, filename),
    manifest,
    pom,
    licenses: selectLicenses(manifest),
    virtualPath,
  };
}

function artifactIdMatchesFilename(artifactId: string | undefined, filename: string, artifactIds: Set<string>): boolean {
  if (!artifactId || !filename) return false;
  if (artifactIds.has(filename)) return artifactId === filename;
  return artifactId.startsWith(filename) || filename.endsWith(artifactId);
}

function identityMatches(pom: PomProperties, main: JavaPackageDraft): boolean {
  if (main.name === pom.artifactId) return true;
  return `${groupIdOf(main) ?? ''}|${main.name}|${main.version}` === `${pom.groupId ?? ''}|${pom.artifactId}|${pom.version ?? ''}`;
}

function parentPath(pom: PomProperties): string {
  return pom.path.slice(0, pom.path.lastIndexOf('/') + 1);
}

/** syft's precedence: pom.properties' groupId (or an artifactId that looks like one), then the manifest. */
function groupIdOf(draft: JavaPackageDraft): string | undefined {
  if (draft.pom?.groupId) return cleanGroupId(draft.pom.groupId);
  if (draft.pom?.artifactId?.includes('.')) return cleanGroupId(draft.pom.artifactId);
  return groupIdFromManifest(draft.manifest);
}

function toPackage(draft: JavaPackageDraft, location: { path: string; layerDigest: string }): Package {
  const groupId = groupIdOf(draft);
  const metadata: Record<string, string> = { virtualPath: draft.virtualPath };
  if (groupId) metadata.groupId = groupId;
  return {
    name: draft.name,
    version: draft.version,
    type: 'java-archive',
    // syft uses the artifact name as the namespace when no group ID is known.
    purl: formatPurl({ type: 'maven', namespace: groupId || draft.name, name: draft.name, version: draft.version }),
    licenses: uniqueLicenses(draft.licenses),
    locations: [location],
    metadata,
  };
}
