/**
 * Per-layer walk results on disk, keyed by layer digest and by the set of catalogers that asked for
 * files, so the base layers many services share are read once per machine. An entry holds everything
 * needed to stack the layer on others later (kept files, symlinks, whiteouts, opaque directories and
 * the paths the layer defines). Writes are atomic (temp + rename); an entry is checksummed and
 * validated on read, and anything wrong with it makes it a miss — the layer is read again — never data.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback, gzip as gzipCallback } from 'node:zlib';
import { z } from 'zod';
import type { Logger } from '../exec/logger';
import { writeFileAtomic } from '../oci/layout/atomic-write';
import { VERSION } from '../version';
import { DEFAULT_LAYER_CACHE_MAX_BYTES, evictLayerCache, touchEntry } from './layer-cache-eviction';
import type { Cataloger } from './types';
import type { LayerFileRecord, LayerResult } from './walker/layer-result';
import { messageOf, type WalkLimits } from './walker/limits';

const gzip = promisify(gzipCallback);
const gunzip = promisify(gunzipCallback);

/** Bump when the walker's output for the same layer and catalogers changes (or the file format does). */
export const LAYER_CACHE_FORMAT = 2;
const MAGIC = Buffer.from('SSLAYER1', 'latin1');
const CHECKSUM_BYTES = 32;
/** No entry is this large (per-layer content is bounded far lower); a bigger file is not ours. */
const MAX_ENTRY_BYTES = 1024 * 1024 * 1024;
const LAYER_DIGEST = /^(sha256|sha384|sha512):([a-f0-9]{64,128})$/;

/** `$SHIPSHAPE_CACHE_DIR/layers`, else `$XDG_CACHE_HOME/shipshape/layers`, else `~/.cache/shipshape/layers`. */
export function defaultLayerCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SHIPSHAPE_CACHE_DIR) return path.join(path.resolve(env.SHIPSHAPE_CACHE_DIR), 'layers');
  // The XDG spec says relative values are invalid and to be ignored.
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'shipshape', 'layers');
}

/**
 * The part of the key that says "these catalogers, this walker": names, this release, the format, the
 * limits that shape a result, and the source of each `wants`/`extract` — so editing a cataloger's file
 * selection invalidates its entries even before anyone bumps a version.
 */
export function catalogerSetKey(catalogers: readonly Cataloger[], limits: Pick<WalkLimits, 'maxCollectedBytesPerLayer' | 'maxWarningsPerLayer'>): string {
  const description = JSON.stringify({
    format: LAYER_CACHE_FORMAT,
    version: VERSION,
    limits: [limits.maxCollectedBytesPerLayer, limits.maxWarningsPerLayer],
    catalogers: catalogers.map((c) => [c.name, c.wants.toString(), c.extract?.toString() ?? '']),
  });
  return createHash('sha256').update(description).digest('hex').slice(0, 32);
}

const range = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]);
const entrySchema = z.object({
  format: z.literal(LAYER_CACHE_FORMAT),
  digest: z.string(),
  files: z.array(
    z.object({
      path: z.string(),
      size: z.number().int().nonnegative(),
      mode: z.number().int().nonnegative(),
      contents: z.record(z.string(), range),
    }),
  ),
  symlinks: z.array(z.object({ path: z.string(), target: z.string() })),
  whiteouts: z.array(z.string()),
  opaqueDirs: z.array(z.string()),
  nonDirectories: z.array(z.string()),
  directories: z.array(z.string()),
  warnings: z.array(z.string()),
  entries: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
});
type Entry = z.infer<typeof entrySchema>;

export interface LayerCacheOptions {
  /** Default: defaultLayerCacheDir(). */
  dir?: string;
  logger?: Logger;
  /** The ceiling `evict` prunes to (default 512 MiB; see layerCacheMaxBytes for the variable that sets it). */
  maxBytes?: number;
}

/** When each cache directory was last pruned by this process: concurrent SBOMs (an Nx batch) prune once. */
const lastEviction = new Map<string, number>();
const EVICTION_INTERVAL_MS = 60_000;

export class LayerCache {
  readonly dir: string;
  private readonly logger?: Logger;
  private readonly maxBytes: number;

  constructor(options: LayerCacheOptions = {}) {
    this.dir = path.resolve(options.dir ?? defaultLayerCacheDir());
    this.logger = options.logger;
    this.maxBytes = options.maxBytes ?? DEFAULT_LAYER_CACHE_MAX_BYTES;
  }

  /** Whether an entry exists (a quick look, not a read: `get` may still find it unusable). */
  async has(layerDigest: string, setKey: string): Promise<boolean> {
    const file = this.fileFor(layerDigest, setKey);
    if (!file) return false;
    try {
      return (await fs.stat(file)).isFile();
    } catch {
      return false;
    }
  }

  /** The cached result for this layer and cataloger set, or undefined (a miss, or an entry not to trust). */
  async get(layerDigest: string, setKey: string): Promise<LayerResult | undefined> {
    const file = this.fileFor(layerDigest, setKey);
    if (!file) return undefined;
    let data: Buffer;
    try {
      const stat = await fs.stat(file);
      if (!stat.isFile() || stat.size > MAX_ENTRY_BYTES) return this.reject(file, 'it is not a cache entry');
      data = await fs.readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.logger?.debug(`layer cache: cannot read ${file}: ${messageOf(error)}`);
      return undefined;
    }
    let result: LayerResult;
    try {
      result = await decode(data, layerDigest);
    } catch (error) {
      return this.reject(file, messageOf(error));
    }
    await touchEntry(file); // recently used: evicted last
    return result;
  }

  /**
   * Prunes the cache to its ceiling, least recently used entries first (at most once a minute per
   * directory and process). Never throws: a cache that cannot be pruned still works.
   */
  async evict(): Promise<void> {
    const last = lastEviction.get(this.dir);
    if (last !== undefined && Date.now() - last < EVICTION_INTERVAL_MS) return;
    lastEviction.set(this.dir, Date.now());
    try {
      const result = await evictLayerCache(this.dir, this.maxBytes);
      if (result.removedEntries > 0) {
        this.logger?.debug(`layer cache: ${formatMiB(result.before)} over the ${formatMiB(this.maxBytes)} ceiling; removed ${result.removedEntries} least recently used entries (now ${formatMiB(result.after)})`);
      }
    } catch (error) {
      this.logger?.debug(`layer cache: could not prune ${this.dir}: ${messageOf(error)}`);
    }
  }

  /** Stores a result; a failure to write only costs the next run a re-read, so it is logged, never thrown. */
  async put(result: LayerResult, setKey: string): Promise<void> {
    const file = this.fileFor(result.digest, setKey);
    if (!file) return;
    try {
      const data = await encode(result);
      await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await writeFileAtomic(file, data).catch(async (error: NodeJS.ErrnoException) => {
        // Another process pruned the (then empty) directory between our mkdir and the write.
        if (error.code !== 'ENOENT') throw error;
        await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
        await writeFileAtomic(file, data);
      });
    } catch (error) {
      this.logger?.warn(`layer cache: could not store ${result.digest} in ${this.dir}: ${messageOf(error)}`);
    }
  }

  /** `<dir>/<set key>/<algorithm>/<hex>`; undefined for anything that is not a plain digest (it becomes a path). */
  private fileFor(layerDigest: string, setKey: string): string | undefined {
    const match = LAYER_DIGEST.exec(layerDigest);
    if (!match || !/^[a-f0-9]{32}$/.test(setKey)) return undefined;
    return path.join(this.dir, setKey, match[1], match[2]);
  }

  private reject(file: string, reason: string): undefined {
    this.logger?.warn(`layer cache: ignoring ${file} (${reason}); the layer is read again`);
    return undefined;
  }
}

/** MAGIC, sha256 of the rest, then gzip(u32 JSON length, JSON, the kept contents back to back). */
async function encode(result: LayerResult): Promise<Buffer> {
  const buffers: Buffer[] = [];
  const offsets = new Map<Buffer, [number, number]>();
  let length = 0;
  // Catalogers reading one file, and hard links, share buffers: each shared buffer is written once,
  // the shorter views of it (a smaller limit) as prefixes of it.
  const place = (buffer: Buffer, longest: Buffer): [number, number] => {
    let at = offsets.get(longest);
    if (!at) {
      at = [length, longest.length];
      offsets.set(longest, at);
      buffers.push(longest);
      length += longest.length;
    }
    return [at[0], buffer.length];
  };
  const entry: Entry = {
    format: LAYER_CACHE_FORMAT,
    digest: result.digest,
    files: result.files.map((f) => ({
      path: f.path,
      size: f.size,
      mode: f.mode,
      contents: Object.fromEntries(Object.entries(f.contents).map(([name, buffer]) => [name, place(buffer, longestView(buffer, f.contents))])),
    })),
    symlinks: result.symlinks,
    whiteouts: result.whiteouts,
    opaqueDirs: result.opaqueDirs,
    nonDirectories: result.nonDirectories,
    directories: result.directories,
    warnings: result.warnings,
    entries: result.entries,
    bytes: result.bytes,
  };
  const json = Buffer.from(JSON.stringify(entry), 'utf8');
  const jsonLength = Buffer.alloc(4);
  jsonLength.writeUInt32BE(json.length);
  const body = await gzip(Buffer.concat([jsonLength, json, ...buffers]), { level: 1 });
  return Buffer.concat([MAGIC, createHash('sha256').update(body).digest(), body]);
}

/** The longest buffer among `contents` that starts where `buffer` starts in memory (itself at least). */
function longestView(buffer: Buffer, contents: Record<string, Buffer>): Buffer {
  let longest = buffer;
  for (const other of Object.values(contents)) {
    if (other.buffer === buffer.buffer && other.byteOffset === buffer.byteOffset && other.length > longest.length) longest = other;
  }
  return longest;
}

async function decode(data: Buffer, layerDigest: string): Promise<LayerResult> {
  if (data.length < MAGIC.length + CHECKSUM_BYTES || !data.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('unknown format');
  const checksum = data.subarray(MAGIC.length, MAGIC.length + CHECKSUM_BYTES);
  const body = data.subarray(MAGIC.length + CHECKSUM_BYTES);
  if (!createHash('sha256').update(body).digest().equals(checksum)) throw new Error('checksum mismatch');
  const payload = await gunzip(body, { maxOutputLength: MAX_ENTRY_BYTES });
  const jsonLength = payload.readUInt32BE(0);
  if (4 + jsonLength > payload.length) throw new Error('truncated');
  const parsed = entrySchema.safeParse(JSON.parse(payload.subarray(4, 4 + jsonLength).toString('utf8')));
  if (!parsed.success) throw new Error(`unexpected content (${parsed.error.issues[0]?.path.join('.')})`);
  const entry = parsed.data;
  if (entry.digest !== layerDigest) throw new Error(`it describes ${entry.digest}`);
  const binary = payload.subarray(4 + jsonLength);
  const slice = ([offset, length]: [number, number]): Buffer => {
    if (offset + length > binary.length) throw new Error('a content range is out of bounds');
    return binary.subarray(offset, offset + length);
  };
  const files: LayerFileRecord[] = entry.files.map((f) => ({
    path: f.path,
    size: f.size,
    mode: f.mode,
    contents: Object.fromEntries(Object.entries(f.contents).map(([name, r]) => [name, slice(r)])),
  }));
  return { ...entry, files };
}

function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
