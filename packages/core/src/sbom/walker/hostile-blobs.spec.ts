/**
 * Layer blobs that are broken or built to hurt: truncated (on disk and inside the compression), altered
 * after they were written (digest mismatch), and decompression bombs. Each ends in a clear error that
 * names the layer, or streams through in bounded memory — never a crash, a hang or a cached result.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import { LayerCache } from '../layer-cache';
import { OciLayoutStore } from '../../oci/layout/store';
import type { Cataloger } from '../types';
import { resolveLimits, type WalkLimits } from './limits';
import { digestOf as digestOfBlob, gz, gzipLayer, pushImage, recordingCataloger, tarLayer, ustarFileHeader, zstdLayer, type LayerBlob } from './test-support/layers';
import { walkImageLayers } from './walk-image';
import { OCI_LAYER_GZIP, OCI_LAYER_TAR, OCI_LAYER_ZSTD } from '../../oci/media-types';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

let root: string;
let store: OciLayoutStore;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shipshape-hostile-'));
  store = new OciLayoutStore(path.join(root, 'layout'));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

function blobFile(digest: string): string {
  return path.join(store.dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

async function walk(layers: LayerBlob[], options: { catalogers?: Cataloger[]; limits?: Partial<WalkLimits>; cache?: LayerCache } = {}) {
  const image = await pushImage(store, layers);
  return walkImageLayers(store, image.layers, { catalogers: options.catalogers ?? [recordingCataloger('all')], limits: resolveLimits(options.limits), cache: options.cache });
}

const files = [
  { name: 'etc/os-release', content: 'ID=debian\n'.repeat(50) },
  { name: 'var/lib/dpkg/status', content: 'Package: bash\nVersion: 5.2\n\n'.repeat(200) },
];

describe('truncated layers', () => {
  it('a blob cut short on disk', async () => {
    const layer = await gz(files);
    const image = await pushImage(store, [layer]);
    await fs.truncate(blobFile(image.layers[0].digest), Math.floor(layer.blob.length / 2));
    await expect(walkImageLayers(store, image.layers, { catalogers: [recordingCataloger('all')], limits: resolveLimits() })).rejects.toThrow(
      new RegExp(`layer 1 of 1 \\(${image.layers[0].digest}\\) cannot be read: blob ${image.layers[0].digest} is \\d+ bytes on disk, expected ${layer.blob.length}`),
    );
  });

  it('a gzip stream that stops early (stored with a matching digest)', async () => {
    const blob = gzipLayer(await tarLayer(files));
    await expect(walk([{ blob: blob.subarray(0, blob.length - 40), mediaType: OCI_LAYER_GZIP }])).rejects.toThrow(
      /layer 1 of 1 \(sha256:[0-9a-f]{64}\) cannot be read: its gzip stream is corrupt or truncated \(unexpected end of file\)/,
    );
  });

  it('a plain tar cut in the middle of a member', async () => {
    const blob = await tarLayer(files);
    await expect(walk([{ blob: blob.subarray(0, 1200), mediaType: OCI_LAYER_TAR }])).rejects.toThrow(
      /layer 1 of 1 \(sha256:[0-9a-f]{64}\) cannot be read: it is not a valid tar archive \(Unexpected end of data\)/,
    );
  });

  it('a zstd stream that stops in the middle of a frame', async () => {
    const blob = zstdLayer(await tarLayer(files));
    await expect(walk([{ blob: blob.subarray(0, blob.length - 10), mediaType: OCI_LAYER_ZSTD }])).rejects.toThrow(
      /layer 1 of 1 \(sha256:[0-9a-f]{64}\) cannot be read: the zstd stream is corrupt: it ends in the middle of a frame \(truncated\)/,
    );
  });
});

describe('one broken layer among good ones', () => {
  it('ends the walk with that layer named, whichever position it has, and caches only the good layers', async () => {
    const good = await gz(files);
    const big = gzipLayer(await tarLayer([{ name: 'opt/blob', content: Buffer.alloc(2 * MiB, 7) }, ...files]));
    const broken = { blob: big.subarray(0, big.length - 100), mediaType: OCI_LAYER_GZIP };
    for (const [layers, position] of [
      [[good, broken, good], 2],
      [[broken, good], 1],
    ] as const) {
      const cache = new LayerCache({ dir: await fs.mkdtemp(path.join(root, 'cache-')) });
      await expect(walk([...layers], { cache })).rejects.toThrow(new RegExp(`layer ${position} of ${layers.length} \\(sha256:[0-9a-f]{64}\\) cannot be read: its gzip stream is corrupt or truncated`));
      const cached = await fs.readdir(cache.dir, { recursive: true });
      expect(cached.filter((f) => /[0-9a-f]{64}$/.test(f)).map((f) => f.slice(-64))).not.toContain(digestOfBlob(broken.blob));
    }
  });
});

describe('layers that are not tar archives', () => {
  it('a gzip stream of something else: the first header fails its checksum', async () => {
    const blob = gzipLayer(Buffer.from('{"this":"is json, not a tar archive"}'.repeat(40)));
    await expect(walk([{ blob, mediaType: OCI_LAYER_GZIP }])).rejects.toThrow(
      /layer 1 of 1 \(sha256:[0-9a-f]{64}\) cannot be read: it is not a valid tar archive \(the header at byte 0 has a bad checksum \(not a tar header, or a corrupted one\)\)/,
    );
  });

  it('a tar whose PAX header claims a path bigger than the limit', async () => {
    const pax = ustarFileHeader('PaxHeaders/x', 64 * MiB);
    pax.write('x', 156); // type flag: PAX extended header
    pax.write('        ', 148);
    let sum = 0;
    for (const byte of pax) sum += byte;
    pax.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    await expect(walk([{ blob: gzipLayer(Buffer.concat([pax, Buffer.alloc(64 * MiB)])), mediaType: OCI_LAYER_GZIP }])).rejects.toThrow(
      /cannot be read: it is not a valid tar archive \(a PAX extended header of 67108864 bytes, over the 1048576-byte limit\)/,
    );
  });
});

describe('altered layers', () => {
  it('fails on a digest mismatch even when the altered tar still parses, and caches nothing', async () => {
    const layer = { blob: await tarLayer(files), mediaType: OCI_LAYER_TAR };
    const image = await pushImage(store, [layer]);
    const altered = Buffer.from(layer.blob);
    const at = altered.indexOf('ID=debian');
    altered.write('ID=evilos', at); // same size, still a valid tar
    await fs.writeFile(blobFile(image.layers[0].digest), altered);
    const cache = new LayerCache({ dir: path.join(root, 'cache') });
    await expect(walkImageLayers(store, image.layers, { catalogers: [recordingCataloger('all')], limits: resolveLimits(), cache })).rejects.toThrow(
      new RegExp(`layer 1 of 1 \\(${image.layers[0].digest}\\) cannot be read: content digest mismatch: expected ${image.layers[0].digest}, got sha256:[0-9a-f]{64}`),
    );
    await expect(fs.readdir(path.join(root, 'cache'))).rejects.toThrow(/ENOENT/);
  });

  it('fails on an altered gzip layer', async () => {
    const layer = await gz(files);
    const image = await pushImage(store, [layer]);
    const altered = Buffer.from(layer.blob);
    altered[Math.floor(altered.length / 2)] ^= 0xff;
    await fs.writeFile(blobFile(image.layers[0].digest), altered);
    await expect(walkImageLayers(store, image.layers, { catalogers: [recordingCataloger('all')], limits: resolveLimits() })).rejects.toThrow(
      /layer 1 of 1 \(sha256:[0-9a-f]{64}\) cannot be read: .*(gzip stream is corrupt|digest mismatch)/,
    );
  });
});

describe('decompression bombs', () => {
  let gzipBomb: Buffer;

  /** gzip of `bytes` zeros, generated as a stream (never held uncompressed). */
  async function gzipZeros(bytes: number): Promise<Buffer> {
    const chunk = Buffer.alloc(MiB);
    const zeros = Readable.from((function* () {
      for (let sent = 0; sent < bytes; sent += MiB) yield chunk;
    })());
    const out: Buffer[] = [];
    for await (const piece of zeros.pipe(createGzip({ level: 9 }))) out.push(piece as Buffer);
    return Buffer.concat(out);
  }

  beforeAll(async () => {
    // A tar holding one 1 GiB file of zeros, then /after.txt: gzip members back to back (RFC 1952 allows
    // it, every gunzip reads them as one stream), the 64 MiB-of-zeros member repeated 16 times.
    const zeros = await gzipZeros(64 * MiB);
    gzipBomb = Buffer.concat([gzipSync(ustarFileHeader('bomb', GiB)), ...Array.from({ length: 16 }, () => zeros), gzipSync(await tarLayer([{ name: 'after.txt', content: 'after' }]))]);
  });

  it('is about 1 MiB that expands to 1 GiB', () => {
    expect(gzipBomb.length).toBeLessThan(2 * MiB);
  });

  it('ends at the per-layer size limit with a clear error', async () => {
    await expect(walk([{ blob: gzipBomb, mediaType: OCI_LAYER_GZIP }], { limits: { maxLayerBytes: 256 * MiB } })).rejects.toThrow(
      /layer 1 of 1 \(sha256:[0-9a-f]{64}\) cannot be read: the layer decompresses to more than 256 MiB \(the limit per layer\); it may be a decompression bomb/,
    );
  });

  it('ends at the compression-ratio limit when one is set', async () => {
    await expect(walk([{ blob: gzipBomb, mediaType: OCI_LAYER_GZIP }], { limits: { maxCompressionRatio: 100 } })).rejects.toThrow(
      /cannot be read: the layer expands \d+:1 \(over the 100:1 limit\); it looks like a decompression bomb/,
    );
  });

  it('streams through in bounded memory under the default limits: only the start of the huge file is kept, the walk goes on', async () => {
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let streamed = 0;
    const counter: Cataloger = {
      name: 'counter',
      wants: (p) => (p === '/bomb' ? 16 : false),
      async extract(stream) {
        for await (const chunk of stream) {
          streamed += (chunk as Buffer).length;
          peak = Math.max(peak, process.memoryUsage().rss);
        }
        return Buffer.from('seen');
      },
      catalog: () => [],
    };
    const filesystem = await walk([{ blob: gzipBomb, mediaType: OCI_LAYER_GZIP }], { catalogers: [recordingCataloger('reader', '/', MiB), counter] });
    expect(streamed).toBe(GiB);
    expect(peak - baseline).toBeLessThan(256 * MiB);
    expect(filesystem.filesFor('reader').all().map((f) => [f.path, f.size, f.content.length])).toEqual([
      ['/after.txt', 5, 5],
      ['/bomb', GiB, MiB],
    ]);
    expect(filesystem.filesFor('counter').get('/bomb')?.size).toBe(GiB);
    expect(filesystem.warnings()).toEqual([expect.stringContaining('reader gets only the first 1 MiB of /bomb (1 GiB), its limit')]);
  });

  it('ends a zstd bomb at the size limit without decoding it all at once', async () => {
    const header = zstdLayer(ustarFileHeader('bomb', GiB));
    const zeros = execFileSync('sh', ['-c', 'head -c 1073741824 /dev/zero | zstd -q -c'], { maxBuffer: 64 * MiB });
    const blob = Buffer.concat([header, zeros, zstdLayer(await tarLayer([{ name: 'after.txt', content: 'after' }]))]);
    expect(blob.length).toBeLessThan(MiB);
    await expect(walk([{ blob, mediaType: OCI_LAYER_ZSTD }], { limits: { maxLayerBytes: 128 * MiB } })).rejects.toThrow(
      /cannot be read: the layer decompresses to more than 128 MiB \(the limit per layer\)/,
    );
  });
});
