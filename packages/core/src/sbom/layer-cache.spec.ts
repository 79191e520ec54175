/**
 * The layer cache on real images in an OCI layout: a layer read once is never streamed again for the
 * same catalogers, whichever image it belongs to; an entry that is corrupt, forged or from another
 * cataloger set is not used, and the layer is read again.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { createLogger, MemorySink } from '../exec/logger';
import { defaultCatalogers } from './catalogers';
import { catalogImage } from './generate';
import { catalogerSetKey, defaultLayerCacheDir, LayerCache } from './layer-cache';
import type { Cataloger } from './types';
import { resolveLimits } from './walker/limits';
import { CountingLayoutStore, gz, openLayout, plain, pushImage, recordingCataloger, snapshot, zst } from './walker/test-support/layers';
import { walkImageLayers } from './walker/walk-image';

const STATUS = ['base-files 12.4+deb12u5', 'bash 5.2.15-2+b2', 'tzdata 2024a-0+deb12u1']
  .map((p) => p.split(' '))
  .map(([name, version]) => `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n`)
  .join('\n');
const OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n';
const packageJson = (name: string, version: string) => JSON.stringify({ name, version, license: 'MIT' });

let root: string;
let store: CountingLayoutStore;
let baseDigest: string;
/** The own (second) layer of image "two". */
let twoOwnDigest: string;
let cacheDir: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shipshape-layer-cache-'));
  cacheDir = path.join(root, 'cache');
  store = new CountingLayoutStore(path.join(root, 'layout'));
  const base = await gz([
    { name: 'usr/lib/os-release', content: OS_RELEASE },
    { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
    { name: 'var/lib/dpkg/status', content: STATUS },
  ]);
  const one = await gz([{ name: 'app/node_modules/left-pad/package.json', content: packageJson('left-pad', '1.3.0') }]);
  const two = await zst([{ name: 'app/node_modules/is-number/package.json', content: packageJson('is-number', '7.0.0') }]);
  baseDigest = (await pushImage(store, [base, one], { tag: 'one' })).layers[0].digest;
  twoOwnDigest = (await pushImage(store, [base, two], { tag: 'two' })).layers[1].digest;
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

beforeEach(async () => {
  await fs.rm(cacheDir, { recursive: true, force: true });
  store.opened.length = 0;
});

/** Catalogs an image and returns the result and the blobs that run streamed. */
async function run(tag: string, options: { cache?: LayerCache; catalogers?: Cataloger[] } = {}) {
  store.opened.length = 0;
  const [result] = await catalogImage(openLayout(store, tag), { cache: options.cache, catalogers: options.catalogers ?? defaultCatalogers() });
  return { result, opened: [...store.opened].sort() };
}

function entryFile(layerDigest: string, catalogers: Cataloger[] = defaultCatalogers()): string {
  return path.join(cacheDir, catalogerSetKey(catalogers, resolveLimits()), 'sha256', layerDigest.slice('sha256:'.length));
}

describe('layer cache', () => {
  it('reads a shared base layer once: a second image streams only its own layers', async () => {
    const uncached = await run('one');
    const cache = new LayerCache({ dir: cacheDir });

    const first = await run('one', { cache });
    expect(first.opened).toEqual(uncached.opened);
    expect(first.opened).toHaveLength(2);
    expect(first.result).toEqual(uncached.result);

    const second = await run('two', { cache });
    expect(second.opened).toHaveLength(1);
    expect(second.opened).not.toContain(baseDigest);
    expect(second.result.packages.map((p) => `${p.type}:${p.name}@${p.version}`)).toEqual([
      'deb:base-files@12.4+deb12u5',
      'deb:bash@5.2.15-2+b2',
      'deb:tzdata@2024a-0+deb12u1',
      'npm:is-number@7.0.0',
    ]);
    expect(second.result.distro).toMatchObject({ id: 'debian', versionId: '12' });

    const again = await run('one', { cache });
    expect(again.opened).toEqual([]);
    expect(again.result).toEqual(uncached.result);
  });

  it('keeps everything a layer contributes: whiteouts, opaque directories, symlinks, hard links, extracted content', async () => {
    const lower = await gz([
      { name: 'etc/keep', content: 'keep' },
      { name: 'etc/gone', content: 'gone' },
      { name: 'opt/old', content: 'old' },
    ]);
    const upper = await plain([
      { name: 'etc/.wh.gone' },
      { name: 'opt/.wh..wh..opq' },
      { name: 'opt/new', content: 'new' },
      { name: 'opt/alias', type: 'link', linkname: 'opt/new' },
      { name: 'link', type: 'symlink', linkname: 'opt/new' },
      { name: 'etc/huge', content: 'x'.repeat(2000) },
    ]);
    const image = await pushImage(store, [lower, upper]);
    const firstBytes: Cataloger = {
      name: 'first-bytes',
      wants: (p) => (p.startsWith('/opt/') ? 2 : false),
      async extract(stream: Readable) {
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks).subarray(0, 2);
      },
      catalog: () => [],
    };
    const catalogers = [recordingCataloger('all', '/', 1000), recordingCataloger('small', '/etc/', 2), firstBytes];
    const walk = (cache?: LayerCache) => walkImageLayers(store, image.layers, { catalogers, limits: resolveLimits(), cache });
    const view = async (cache?: LayerCache) => {
      const fsys = await walk(cache);
      const of = (name: string) => snapshot(fsys.filesFor(name).all());
      return { all: of('all'), small: of('small'), bytes: of('first-bytes'), links: fsys.symlinks(), warnings: fsys.warnings() };
    };
    const cache = new LayerCache({ dir: cacheDir });
    const fresh = await view(cache);
    store.opened.length = 0;
    const cached = await view(cache);
    expect(store.opened).toEqual([]);
    expect(cached).toEqual(fresh);
    expect(fresh.all).toEqual({
      '/etc/huge': [image.layers[1].digest, 'x'.repeat(1000)],
      '/etc/keep': [image.layers[0].digest, 'keep'],
      '/opt/alias': [image.layers[1].digest, 'new'],
      '/opt/new': [image.layers[1].digest, 'new'],
    });
    expect(fresh.bytes).toEqual({ '/opt/alias': [image.layers[1].digest, 'ne'], '/opt/new': [image.layers[1].digest, 'ne'] });
    expect(fresh.small).toEqual({ '/etc/huge': [image.layers[1].digest, 'xx'], '/etc/keep': [image.layers[0].digest, 'ke'] });
    expect(fresh.links).toEqual([{ path: '/link', target: 'opt/new', layerDigest: image.layers[1].digest }]);
    expect(fresh.warnings).toContainEqual(expect.stringContaining('all gets only the first 1000 bytes of /etc/huge'));
  });

  it('ignores a corrupted entry, reads the layer again and replaces the entry', async () => {
    const sink = new MemorySink();
    const cache = new LayerCache({ dir: cacheDir, logger: createLogger({ sink }) });
    const expected = (await run('one', { cache })).result;
    const file = entryFile(baseDigest);
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 100] ^= 0x01;
    await fs.writeFile(file, bytes);

    const afterCorruption = await run('one', { cache });
    expect(afterCorruption.opened).toEqual([baseDigest]);
    expect(afterCorruption.result).toEqual(expected);
    expect(sink.text()).toContain(`layer cache: ignoring ${file} (checksum mismatch); the layer is read again`);

    expect((await run('one', { cache })).opened).toEqual([]);
  });

  it('does not trust an intact entry stored under another layer digest, or a file that is not an entry', async () => {
    const sink = new MemorySink();
    const cache = new LayerCache({ dir: cacheDir, logger: createLogger({ sink }) });
    const { opened } = await run('one', { cache });
    const other = opened.find((d) => d !== baseDigest)!;
    await fs.copyFile(entryFile(other), entryFile(baseDigest));
    expect((await run('one', { cache })).opened).toEqual([baseDigest]);
    expect(sink.text()).toContain(`(it describes ${other})`);

    await fs.writeFile(entryFile(baseDigest), 'not a cache entry');
    expect((await run('one', { cache })).opened).toEqual([baseDigest]);
    expect(sink.text()).toContain('(unknown format)');
  });

  it('keeps separate entries per cataloger set', async () => {
    const cache = new LayerCache({ dir: cacheDir });
    await run('one', { cache });
    expect((await run('one', { cache, catalogers: [recordingCataloger('etc', '/etc/')] })).opened).toHaveLength(2);
    expect((await run('one', { cache, catalogers: [recordingCataloger('etc', '/etc/')] })).opened).toEqual([]);
  });

  it('over its ceiling, drops the layers used least recently: a layer just used stays cached', async () => {
    const filled = new LayerCache({ dir: cacheDir });
    await run('one', { cache: filled });
    await run('two', { cache: filled });
    const entries = await entryFiles(cacheDir);
    expect(entries).toHaveLength(3);
    // All last used an hour ago; then image "one" is catalogued again, from the cache.
    const anHourAgo = new Date(Date.now() - 3600_000);
    for (const file of entries) await fs.utimes(file, anHourAgo, anHourAgo);
    expect((await run('one', { cache: filled })).opened).toEqual([]);

    const sizes = new Map(await Promise.all(entries.map(async (f) => [path.basename(f), (await fs.stat(f)).size] as const)));
    const layerTwo = twoOwnDigest.slice('sha256:'.length);
    expect(sizes.has(layerTwo)).toBe(true);
    const keptBytes = [...sizes].filter(([hex]) => hex !== layerTwo).reduce((sum, [, size]) => sum + size, 0);
    // A ceiling that holds "one"'s two layers (under the 80% low-water mark) but not all three.
    const cache = new LayerCache({ dir: cacheDir, maxBytes: Math.ceil(keptBytes / 0.8) + 1 });
    await cache.evict();
    expect((await entryFiles(cacheDir)).map((f) => path.basename(f)).sort()).toEqual([...sizes.keys()].filter((hex) => hex !== layerTwo).sort());

    // Image "two" reads only the layer that was dropped; its base layer is still cached.
    const again = await run('two', { cache });
    expect(again.opened).toEqual([`sha256:${layerTwo}`]);
  });

  it('lives in SHIPSHAPE_CACHE_DIR, else XDG_CACHE_HOME, else ~/.cache', () => {
    expect(defaultLayerCacheDir({ SHIPSHAPE_CACHE_DIR: '/var/cache/ss', XDG_CACHE_HOME: '/xdg' })).toBe('/var/cache/ss/layers');
    expect(defaultLayerCacheDir({ XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/shipshape/layers');
    expect(defaultLayerCacheDir({ XDG_CACHE_HOME: 'relative/ignored' })).toBe(path.join(os.homedir(), '.cache', 'shipshape', 'layers'));
    expect(defaultLayerCacheDir({})).toBe(path.join(os.homedir(), '.cache', 'shipshape', 'layers'));
  });
});

/** The entry files of a cache directory (`<set key>/<algorithm>/<hex>`). */
async function entryFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const setKey of await fs.readdir(dir)) {
    for (const algorithm of await fs.readdir(path.join(dir, setKey))) {
      files.push(...(await fs.readdir(path.join(dir, setKey, algorithm))).map((name) => path.join(dir, setKey, algorithm, name)));
    }
  }
  return files;
}
