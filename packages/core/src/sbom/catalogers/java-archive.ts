/**
 * Reads a Java archive (a zip) held in memory down to the little an SBOM needs: its manifest, its
 * pom.properties files, and the same for every nested archive (WEB-INF/lib/*.jar, BOOT-INF/lib/*.jar,
 * ...). Everything is bounded: archive size, nesting depth, entry count, and the total bytes inflated
 * for one top-level archive, so a zip bomb costs at most that budget. Problems become notes in the
 * summary, never exceptions.
 */
import type * as yauzl from 'yauzl';
import { type JavaManifest, parseJavaManifest, SECTION_KEYS_READ } from './java-manifest';
import { readBounded } from './stream';

export const MAX_ARCHIVE_BYTES = 64 * 1024 * 1024;
const MAX_DEPTH = 4;
const MAX_ENTRIES = 100_000;
const MAX_INFLATED_BYTES = 256 * 1024 * 1024;
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_POM_PROPERTIES_BYTES = 64 * 1024;

const NESTED_ARCHIVE = /\.(?:jar|war|ear|par|sar|nar|jpi|hpi|kar|far|lpkg|rar|zap)$/;
export const JAVA_ARCHIVE = NESTED_ARCHIVE;

export interface PomProperties {
  /** Entry path inside the archive. */
  path: string;
  groupId?: string;
  artifactId?: string;
  version?: string;
}

export interface ArchiveSummary {
  manifest?: JavaManifest;
  pomProperties: PomProperties[];
  nested: { path: string; summary: ArchiveSummary }[];
  /** Bounded skips worth telling the user about. */
  problems: string[];
}

interface Budget {
  inflated: number;
}

type Yauzl = typeof yauzl;
let yauzlModule: Promise<Yauzl> | undefined;
/** Loaded on first use: most images hold no Java archive. */
function loadYauzl(): Promise<Yauzl> {
  yauzlModule ??= import('yauzl').then((m: Yauzl & { default?: Yauzl }) => m.default ?? m);
  return yauzlModule;
}

export async function summarizeArchive(content: Buffer): Promise<ArchiveSummary> {
  return summarize(content, 0, { inflated: 0 });
}

async function summarize(content: Buffer, depth: number, budget: Budget): Promise<ArchiveSummary> {
  const summary: ArchiveSummary = { pomProperties: [], nested: [], problems: [] };
  let zip: yauzl.ZipFile;
  try {
    zip = await (await loadYauzl()).fromBufferPromise(content, { strictFileNames: false, validateEntrySizes: true });
  } catch (error) {
    summary.problems.push(`not a readable zip archive (${(error as Error).message})`);
    return summary;
  }
  try {
    let count = 0;
    for await (const entry of zip.eachEntry()) {
      if (++count > MAX_ENTRIES) {
        summary.problems.push(`more than ${MAX_ENTRIES} entries; the rest were not read`);
        break;
      }
      const name = entry.fileName;
      if (name.endsWith('/')) continue;
      const isManifest = name === 'META-INF/MANIFEST.MF';
      const isPom = name.endsWith('pom.properties');
      const isNested = NESTED_ARCHIVE.test(name);
      if (!isManifest && !isPom && !isNested) continue;

      const limit = isManifest ? MAX_MANIFEST_BYTES : isPom ? MAX_POM_PROPERTIES_BYTES : MAX_ARCHIVE_BYTES;
      if (isNested && depth + 1 > MAX_DEPTH) {
        summary.problems.push(`${name}: nested deeper than ${MAX_DEPTH} archives; not read`);
        continue;
      }
      const bytes = await readEntry(zip, entry, limit, budget);
      if (typeof bytes === 'string') {
        summary.problems.push(`${name}: ${bytes}`);
        continue;
      }
      if (isManifest) summary.manifest = reduceManifest(parseJavaManifest(bytes.toString('utf8')));
      else if (isPom) summary.pomProperties.push(parsePomProperties(name, bytes.toString('utf8')));
      else summary.nested.push({ path: name, summary: await summarize(bytes, depth + 1, budget) });
    }
  } catch (error) {
    summary.problems.push(`archive is corrupt (${(error as Error).message}); the rest was not read`);
  } finally {
    zip.close();
  }
  return summary;
}

/** The entry's bytes, or why they were not read. */
async function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, limit: number, budget: Budget): Promise<Buffer | string> {
  if (entry.isEncrypted()) return 'encrypted; not read';
  if (!entry.canDecodeFileData()) return `compression method ${entry.compressionMethod} not supported; not read`;
  if (entry.uncompressedSize > limit) return `${entry.uncompressedSize} bytes, more than the ${limit}-byte limit; not read`;
  if (budget.inflated + entry.uncompressedSize > MAX_INFLATED_BYTES) {
    return `the archive's ${MAX_INFLATED_BYTES}-byte budget for inflated data is spent; not read`;
  }
  budget.inflated += entry.uncompressedSize;
  // yauzl checks the inflated size against the declared one, so a lying header ends in an error.
  const stream = await zip.openReadStreamPromise(entry);
  const { content, truncated } = await readBounded(stream, limit);
  return truncated ? `larger than the ${limit}-byte limit; not read` : content;
}

function reduceManifest(manifest: JavaManifest): JavaManifest {
  const sections = manifest.sections.map((s) => s.filter(([key]) => SECTION_KEYS_READ.has(key))).filter((s) => s.length > 0);
  return { main: manifest.main, sections };
}

/** Java properties as pom.properties uses them: `key=value` or `key: value`, `#` comments. */
export function parsePomProperties(path: string, text: string): PomProperties {
  const props: PomProperties = { path };
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const match = /^([^=:]*)[=:](.*)$/.exec(line);
    if (!match) continue;
    const key = (match[1] ?? '').trim();
    const value = (match[2] ?? '').trim();
    if (key === 'groupId' || key === 'artifactId' || key === 'version') props[key] = value;
  }
  return props;
}
