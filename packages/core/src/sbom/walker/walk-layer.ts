/**
 * One layer's tar stream → its LayerResult, in a single pass with our tar reader: every regular file
 * is offered to the catalogers (`wants`), wanted content is kept within limits, everything else is
 * skipped where it lies (never copied, never wrapped in a stream). Whiteouts, opaque markers and every
 * path the layer defines are recorded so the layer can later be stacked on any lower layers exactly as
 * a container runtime would.
 */
import { ShipshapeError } from '../../errors';
import type { Cataloger } from '../types';
import { pullFrom, readEntryContent, type Extractor, type FileInfo } from './entry-content';
import type { LayerFileRecord, LayerResult } from './layer-result';
import { formatBytes, type WalkLimits } from './limits';
import { isBelow, MAX_PATH_LENGTH, normalizeEntryPath, parseWhiteout } from './paths';
import { NEED_INPUT, TarReader, type TarHeader } from './tar-reader';

export interface WalkLayerOptions {
  /** The layer blob's digest, recorded in the result. */
  digest: string;
  catalogers: readonly Cataloger[];
  limits: WalkLimits;
}

/**
 * Reads the whole tar stream (to its very end, so the blob's size and digest are checked); rejects
 * with the stream's error (digest mismatch, truncation, a limit) or the archive's (a bad header).
 */
export async function walkLayerTar(tar: AsyncIterable<Uint8Array>, options: WalkLayerOptions): Promise<LayerResult> {
  const builder = new LayerBuilder(options);
  const reader = new TarReader(tar);
  try {
    // Synchronous whenever the data at hand allows (most members): a promise per member adds up.
    for (;;) {
      let header = reader.tryNext();
      if (header === NEED_INPUT) header = await reader.next();
      if (!header) break;
      const adding = builder.add(header, reader);
      if (adding) await adding;
    }
  } catch (error) {
    await reader.close();
    throw error;
  }
  if (reader.trailingData) builder.note('data after the end of the tar archive was ignored (as a container runtime ignores it)');
  return builder.result();
}

class LayerBuilder {
  private readonly records = new Map<string, LayerFileRecord>();
  /** The bytes kept of each file of this layer, for hard links to it (not part of the result). */
  private readonly kept = new Map<string, Buffer>();
  private readonly symlinks = new Map<string, string>();
  private readonly whiteouts = new Set<string>();
  private readonly opaqueDirs = new Set<string>();
  private readonly nonDirectories = new Set<string>();
  private readonly directories = new Set<string>(['/']);
  private readonly warnings: string[] = [];
  private droppedWarnings = 0;
  private entries = 0;
  private bytes = 0;
  private collected = 0;

  constructor(private readonly options: WalkLayerOptions) {}

  /**
   * One member; its body is read here when a cataloger wants it (then a promise), else skipped by the
   * reader's next().
   */
  add(header: TarHeader, reader: TarReader): Promise<void> | undefined {
    if (++this.entries > this.options.limits.maxEntries) {
      throw new ShipshapeError('input', `the layer has more than ${this.options.limits.maxEntries} tar members (the limit per layer)`, {
        hint: 'if the image is genuine, raise the member limit',
      });
    }
    this.bytes += 512 + header.size;
    const { path, clamped } = normalizeEntryPath(header.name);
    if (clamped) this.warn(`the member "${printable(header.name)}" climbs above the root; read as ${path}`);
    if (path.length > MAX_PATH_LENGTH) {
      this.warn(`skipped a member whose path is ${path.length} characters long (over ${MAX_PATH_LENGTH})`);
      return;
    }
    if (path === '/') return;

    const whiteout = parseWhiteout(path);
    if (whiteout) {
      this.defineAncestors(path);
      if (whiteout.kind === 'opaque') this.opaqueDirs.add(whiteout.dir);
      else if (whiteout.kind === 'delete') this.whiteouts.add(whiteout.path);
      return;
    }

    switch (header.type) {
      case 'directory':
        this.defineDirectory(path);
        return;
      case 'file':
      case 'contiguous-file':
        // Old tars mark directories only by a trailing slash.
        if (header.name.endsWith('/') && header.size === 0) {
          this.defineDirectory(path);
          return;
        }
        this.defineNonDirectory(path);
        return this.addFile(reader, { path, size: header.size, mode: header.mode & 0o7777 });
      case 'symlink':
        this.defineNonDirectory(path);
        this.symlinks.set(path, header.linkname);
        return;
      case 'link':
        this.defineNonDirectory(path);
        return this.addHardLink(path, header);
      case 'sparse':
        // A GNU sparse file's body is a map plus data, not the file: it occupies the path, unread.
        this.defineNonDirectory(path);
        if (this.options.catalogers.some((c) => c.wants(path, { size: header.size, mode: header.mode & 0o7777 }) !== false)) {
          this.warn(`skipped ${path}: a GNU sparse file, which is not read`);
        }
        return;
      default:
        // Devices, FIFOs and unknown types: they occupy the path, nobody reads them.
        this.defineNonDirectory(path);
        return;
    }
  }

  result(): LayerResult {
    const warnings = [...this.warnings];
    if (this.droppedWarnings > 0) warnings.push(`… and ${this.droppedWarnings} more warnings like these`);
    const sorted = (values: Iterable<string>) => [...values].sort(byCodePoint);
    return {
      digest: this.options.digest,
      files: [...this.records.values()].sort((a, b) => byCodePoint(a.path, b.path)),
      symlinks: [...this.symlinks].map(([path, target]) => ({ path, target })).sort((a, b) => byCodePoint(a.path, b.path)),
      whiteouts: sorted(this.whiteouts),
      opaqueDirs: sorted(this.opaqueDirs),
      nonDirectories: sorted(this.nonDirectories),
      directories: sorted(this.directories),
      warnings,
      entries: this.entries,
      bytes: this.bytes,
    };
  }

  /** A regular file: read when someone wants it (a promise), else nothing to do (the reader skips it). */
  private addFile(reader: TarReader, file: FileInfo): Promise<void> | undefined {
    const { readers, extractors } = this.plan(file);
    if (readers.length === 0 && extractors.length === 0) return undefined;
    return this.readFile(reader, file, readers, extractors);
  }

  private async readFile(reader: TarReader, file: FileInfo, readers: Reader[], extractors: Extractor[]): Promise<void> {
    const keep = Math.max(0, ...readers.map((r) => r.keep));
    const content = await readEntryContent(() => reader.readBodyChunk(), file, keep, extractors);
    content.warnings.forEach((w) => this.warn(w));
    if (content.content) this.kept.set(file.path, content.content);
    this.store(file, readerContents(readers, content.content), content.extracted);
  }

  /**
   * Which catalogers get this file, and how: readers get its first bytes up to their limit (a larger
   * file is cut there, with a warning), extractors get the stream.
   */
  private plan(file: FileInfo): { readers: Reader[]; extractors: Extractor[] } {
    let readers: Reader[] = [];
    const extractors: Extractor[] = [];
    for (const cataloger of this.options.catalogers) {
      const limit = cataloger.wants(file.path, file);
      if (limit === false) continue;
      if (cataloger.extract) {
        extractors.push({ cataloger, limit });
        continue;
      }
      readers.push({ name: cataloger.name, keep: Math.min(limit, file.size) });
      if (file.size > limit) this.warn(`${cataloger.name} gets only the first ${formatBytes(limit)} of ${file.path} (${formatBytes(file.size)}), its limit`);
    }
    const keep = Math.max(0, ...readers.map((r) => r.keep));
    if (keep > 0 && this.collected + keep > this.options.limits.maxCollectedBytesPerLayer) {
      this.warn(`skipped ${file.path}: the layer's files for catalogers passed ${formatBytes(this.options.limits.maxCollectedBytesPerLayer)}`);
      readers = [];
    }
    return { readers, extractors };
  }

  /** A hard link shares its target's content: the target is an earlier member of this same layer. */
  private addHardLink(path: string, header: TarHeader): Promise<void> | undefined {
    const targetPath = normalizeEntryPath(header.linkname).path;
    const target = this.records.get(targetPath);
    const raw = this.kept.get(targetPath);
    const size = target?.size ?? raw?.length ?? 0;
    const file: FileInfo = { path, size, mode: (header.mode || target?.mode || 0) & 0o7777 };
    const wanting = this.options.catalogers
      .map((cataloger) => ({ cataloger, limit: cataloger.wants(path, file) }))
      .filter((w): w is Extractor => w.limit !== false);
    if (wanting.length === 0) return undefined;
    return this.linkContent(path, targetPath, target, raw, file, wanting);
  }

  /** What the catalogers wanting a hard link get: its target's kept content (this layer's, never a lower one's). */
  private async linkContent(path: string, targetPath: string, target: LayerFileRecord | undefined, raw: Buffer | undefined, file: FileInfo, wanting: Extractor[]): Promise<void> {
    const { size } = file;
    if (!target) {
      this.warn(`skipped ${path}: a hard link to ${targetPath}, whose content this layer did not keep`);
      return;
    }
    const readers: Reader[] = [];
    const extracted: Record<string, Buffer> = {};
    const toExtract: Extractor[] = [];
    for (const w of wanting) {
      const name = w.cataloger.name;
      const keep = Math.min(w.limit, size);
      if (!w.cataloger.extract && raw && raw.length >= keep) readers.push({ name, keep });
      else if (w.cataloger.extract && target.contents[name]) extracted[name] = target.contents[name];
      else if (w.cataloger.extract && raw && raw.length === size) toExtract.push(w);
      else this.warn(`skipped ${path} for ${name}: a hard link to ${targetPath}, whose content was not kept for it`);
    }
    if (toExtract.length > 0) {
      const content = await readEntryContent(pullFrom([raw!]), file, 0, toExtract);
      content.warnings.forEach((w) => this.warn(w));
      Object.assign(extracted, content.extracted);
    }
    // The link shares the target's buffers: nothing new is held, so the layer budget is not charged again.
    const contents = { ...readerContents(readers, raw), ...extracted };
    if (Object.keys(contents).length > 0) {
      this.records.set(path, { ...file, contents });
      if (raw) this.kept.set(path, raw);
    }
  }

  private store(file: FileInfo, readers: Record<string, Buffer>, extracted: Record<string, Buffer>): void {
    const contents = { ...readers, ...extracted };
    if (Object.keys(contents).length === 0) return;
    let added = Math.max(0, ...Object.values(readers).map((b) => b.length));
    for (const buffer of Object.values(extracted)) added += buffer.length;
    if (this.collected + added > this.options.limits.maxCollectedBytesPerLayer) {
      this.warn(`skipped ${file.path}: the layer's files for catalogers passed ${formatBytes(this.options.limits.maxCollectedBytesPerLayer)}`);
      return;
    }
    this.collected += added;
    this.records.set(file.path, { ...file, contents });
  }

  /** A directory at `path` (listed or implied): it replaces an earlier non-directory of this layer there. */
  private defineDirectory(path: string): void {
    this.forget(path);
    this.directories.add(path);
    this.defineAncestors(path);
  }

  /** A file, link or device at `path`: it replaces whatever this layer put at or below `path` before. */
  private defineNonDirectory(path: string): void {
    this.defineAncestors(path);
    this.forget(path);
    if (this.directories.has(path)) {
      for (const p of [...this.records.keys(), ...this.symlinks.keys()]) if (isBelow(p, path)) this.forget(p);
    }
    this.nonDirectories.add(path);
  }

  /** Every parent of a member is a directory in this layer (it hides a lower file or symlink there). */
  private defineAncestors(path: string): void {
    // Nearest parent first, up to the root (always a directory): a loop over slashes rather than
    // ancestorsOf()'s generator, as this runs for every member.
    for (let slash = path.lastIndexOf('/'); slash >= 0; slash = path.lastIndexOf('/', slash - 1)) {
      const dir = slash === 0 ? '/' : path.slice(0, slash);
      // An earlier member of this layer at that path (a file or symlink) is replaced by the directory.
      this.forget(dir);
      if (this.directories.has(dir)) break;
      this.directories.add(dir);
      if (slash === 0) break;
    }
  }

  /** Drops what this layer put at `path` before (a later member replaces it). */
  private forget(path: string): void {
    this.records.delete(path);
    this.symlinks.delete(path);
    this.kept.delete(path);
  }

  /** A note about the whole layer, kept like a warning. */
  note(message: string): void {
    this.warn(message);
  }

  private warn(message: string): void {
    if (this.warnings.length < this.options.limits.maxWarningsPerLayer) this.warnings.push(message);
    else this.droppedWarnings++;
  }
}

interface Reader {
  name: string;
  /** Bytes of the file this cataloger gets. */
  keep: number;
}

/** Each reader's view of the kept bytes (no copies). */
function readerContents(readers: Reader[], content: Buffer | undefined): Record<string, Buffer> {
  if (!content) return {};
  return Object.fromEntries(readers.map((r) => [r.name, r.keep === content.length ? content : content.subarray(0, r.keep)]));
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A member name for a message: control characters escaped, length bounded. */
function printable(name: string): string {
  const escaped = JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name).slice(1, -1);
  return escaped;
}
