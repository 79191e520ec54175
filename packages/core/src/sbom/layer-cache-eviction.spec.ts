/**
 * Layer-cache eviction on a real directory: least recently used entries go first, down to 80% of the
 * ceiling; nothing goes while the cache is under it; a dead writer's temporary file goes, a live
 * writer's stays; the ceiling comes from SHIPSHAPE_LAYER_CACHE_MAX_MB with one clear error when wrong.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ShipshapeError } from '../errors';
import { DEFAULT_LAYER_CACHE_MAX_BYTES, evictLayerCache, layerCacheMaxBytes } from './layer-cache-eviction';

const KIB = 1024;
let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'shipshape-eviction-'));
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

/** An entry of `kib` KiB under set key `set`, last used `minutesAgo` minutes ago. */
async function entry(set: string, name: string, kib: number, minutesAgo: number): Promise<string> {
  const file = path.join(dir, set, 'sha256', name);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, Buffer.alloc(kib * KIB, 1));
  const when = new Date(Date.now() - minutesAgo * 60_000);
  await fs.utimes(file, when, when);
  return file;
}

const exists = (file: string) => fs.stat(file).then(() => true, () => false);

describe('layer cache eviction', () => {
  it('removes the least recently used entries until the cache is under 80% of the ceiling', async () => {
    const oldest = await entry('a'.repeat(32), 'old', 40, 300);
    const older = await entry('a'.repeat(32), 'older', 30, 200);
    const recent = await entry('b'.repeat(32), 'recent', 20, 10);
    const newest = await entry('b'.repeat(32), 'newest', 10, 1);
    const result = await evictLayerCache(dir, 60 * KIB); // 100 KiB over a 60 KiB ceiling: down to 48 KiB or less
    expect(result).toEqual({ before: 100 * KIB, after: 30 * KIB, removedEntries: 2, removedTemporaries: 0 });
    expect(await Promise.all([oldest, older, recent, newest].map(exists))).toEqual([false, false, true, true]);
    // The set-key directory left empty (an older Shipshape's, typically) goes with its entries.
    expect(await fs.readdir(dir)).toEqual(['b'.repeat(32)]);
  });

  it('leaves a cache under its ceiling alone, however old its entries', async () => {
    const old = await entry('a'.repeat(32), 'old', 10, 60 * 24 * 365);
    expect(await evictLayerCache(dir, 20 * KIB)).toEqual({ before: 10 * KIB, after: 10 * KIB, removedEntries: 0, removedTemporaries: 0 });
    expect(await exists(old)).toBe(true);
    expect(await evictLayerCache(dir, Infinity)).toMatchObject({ removedEntries: 0 });
  });

  it('removes a temporary file a killed writer left, not one being written', async () => {
    const dead = await entry('a'.repeat(32), '.abc.123.deadbeef.tmp', 1, 120);
    const live = await entry('a'.repeat(32), '.abc.456.feedface.tmp', 1, 0);
    expect(await evictLayerCache(dir, Infinity)).toMatchObject({ removedTemporaries: 1, before: 0 });
    expect([await exists(dead), await exists(live)]).toEqual([false, true]);
  });

  it('copes with a missing cache directory', async () => {
    expect(await evictLayerCache(path.join(dir, 'never-created'), 0)).toEqual({ before: 0, after: 0, removedEntries: 0, removedTemporaries: 0 });
  });

  it('takes its ceiling from SHIPSHAPE_LAYER_CACHE_MAX_MB (0: none), and says clearly when it is not a number', () => {
    expect(layerCacheMaxBytes({})).toBe(DEFAULT_LAYER_CACHE_MAX_BYTES);
    expect(layerCacheMaxBytes({ SHIPSHAPE_LAYER_CACHE_MAX_MB: '2048' })).toBe(2048 * 1024 * 1024);
    expect(layerCacheMaxBytes({ SHIPSHAPE_LAYER_CACHE_MAX_MB: '0' })).toBe(Infinity);
    let error: unknown;
    try {
      layerCacheMaxBytes({ SHIPSHAPE_LAYER_CACHE_MAX_MB: '2GB' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ShipshapeError);
    expect((error as ShipshapeError).kind).toBe('usage');
    expect((error as ShipshapeError).describe()).toContain('SHIPSHAPE_LAYER_CACHE_MAX_MB must be a whole number of MiB, found "2GB"');
  });
});
