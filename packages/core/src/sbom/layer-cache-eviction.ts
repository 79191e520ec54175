/**
 * Keeps the layer cache bounded. Entries are small (kilobytes to a few MiB per layer), but a CI
 * machine catalogs new layers on every release and each Shipshape upgrade starts a new cataloger-set
 * directory, so without a bound the cache only grows. When it is over its ceiling, the entries used
 * least recently go first (a hit touches its entry's mtime) until it is under 80% of the ceiling, so
 * a cache near the bound is not pruned on every run. Temporary files left by a killed writer go too.
 *
 * Safe alongside other processes: a reader that loses an entry sees a miss and reads the layer again;
 * a writer renames a whole file into place, and a file renamed after the listing is simply kept.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ShipshapeError } from '../errors';

/** The default ceiling: room for the layers of thousands of images. */
export const DEFAULT_LAYER_CACHE_MAX_BYTES = 512 * 1024 * 1024;
export const LAYER_CACHE_MAX_ENV = 'SHIPSHAPE_LAYER_CACHE_MAX_MB';
/** A temporary file this old belongs to a writer that died. */
const STALE_TEMP_MS = 60 * 60 * 1000;
const LOW_WATER = 0.8;

/** The ceiling from SHIPSHAPE_LAYER_CACHE_MAX_MB (MiB; 0 = no ceiling), else the default. */
export function layerCacheMaxBytes(env: NodeJS.ProcessEnv): number {
  const text = env[LAYER_CACHE_MAX_ENV];
  if (text === undefined || text.trim() === '') return DEFAULT_LAYER_CACHE_MAX_BYTES;
  if (!/^\d+$/.test(text.trim())) {
    throw new ShipshapeError('usage', `${LAYER_CACHE_MAX_ENV} must be a whole number of MiB, found "${text}"`, { hint: `e.g. ${LAYER_CACHE_MAX_ENV}=2048, or 0 for no limit` });
  }
  const mib = Number(text.trim());
  return mib === 0 ? Infinity : mib * 1024 * 1024;
}

export interface EvictionResult {
  /** Bytes in the cache before and after. */
  before: number;
  after: number;
  removedEntries: number;
  removedTemporaries: number;
}

interface CachedFile {
  file: string;
  size: number;
  lastUsedMs: number;
}

/** Prunes `dir` (laid out `<set key>/<algorithm>/<hex>`) down to `maxBytes`; nothing happens under it. */
export async function evictLayerCache(dir: string, maxBytes: number, nowMs = Date.now()): Promise<EvictionResult> {
  const entries: CachedFile[] = [];
  let removedTemporaries = 0;
  for (const file of await filesTwoLevelsDown(dir)) {
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat?.isFile()) continue;
    if (path.basename(file).endsWith('.tmp')) {
      if (nowMs - stat.mtimeMs > STALE_TEMP_MS && (await removed(file))) removedTemporaries++;
      continue;
    }
    entries.push({ file, size: stat.size, lastUsedMs: stat.mtimeMs });
  }
  const before = entries.reduce((sum, e) => sum + e.size, 0);
  let after = before;
  let removedEntries = 0;
  if (before > maxBytes) {
    entries.sort((a, b) => a.lastUsedMs - b.lastUsedMs);
    for (const entry of entries) {
      if (after <= maxBytes * LOW_WATER) break;
      if (await removed(entry.file)) {
        after -= entry.size;
        removedEntries++;
      }
    }
    await removeEmptyDirectories(dir);
  }
  return { before, after, removedEntries, removedTemporaries };
}

/** Marks an entry as just used, for the eviction order. Best effort: a read-only cache still serves hits. */
export async function touchEntry(file: string): Promise<void> {
  const now = new Date();
  await fs.utimes(file, now, now).catch(() => undefined);
}

async function filesTwoLevelsDown(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const setKey of await subdirectories(dir)) {
    for (const algorithm of await subdirectories(setKey)) {
      const names = await fs.readdir(algorithm).catch(() => [] as string[]);
      files.push(...names.map((name) => path.join(algorithm, name)));
    }
  }
  return files;
}

async function subdirectories(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
}

async function removed(file: string): Promise<boolean> {
  try {
    await fs.rm(file);
    return true;
  } catch {
    return false; // gone already (another process pruned it), or not ours to remove
  }
}

/** Set-key and algorithm directories left empty; one a writer is about to use is re-created by it. */
async function removeEmptyDirectories(dir: string): Promise<void> {
  for (const setKey of await subdirectories(dir)) {
    for (const algorithm of await subdirectories(setKey)) await fs.rmdir(algorithm).catch(() => undefined);
    await fs.rmdir(setKey).catch(() => undefined);
  }
}
