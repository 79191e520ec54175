/**
 * The layer walker on real images in an OCI layout: gzip, zstd and plain tar layers; whiteouts, opaque
 * directories and overrides stacked as a container runtime stacks them; hard links and symlinks; and
 * hostile layers, each ending in a clear error or a bounded skip.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { OciLayoutStore } from '../../oci/layout/store';
import type { Cataloger } from '../types';
import { resolveLimits, type WalkLimits } from './limits';
import { gz, gzipLayer, plain, pushImage, recordingCataloger, snapshot, tarLayer, zst, zstdLayer, type LayerBlob } from './test-support/layers';
import { OCI_LAYER_GZIP } from '../../oci/media-types';
import { walkImageLayers } from './walk-image';

let root: string;
let store: OciLayoutStore;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shipshape-walker-'));
  store = new OciLayoutStore(path.join(root, 'layout'));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function walk(layers: LayerBlob[], catalogers: Cataloger[] = [recordingCataloger('all')], limits: Partial<WalkLimits> = {}) {
  const image = await pushImage(store, layers);
  const filesystem = await walkImageLayers(store, image.layers, { catalogers, limits: resolveLimits(limits) });
  return { filesystem, digests: image.layers.map((l) => l.digest) };
}

describe('stacking layers', () => {
  it('applies whiteouts, opaque directories and later-layer overrides, and records the layer of each file', async () => {
    const base = await gz([
      { name: 'etc/os-release', content: 'ID=base' },
      { name: 'opt/app/keep.txt', content: 'keep' },
      { name: 'opt/app/gone.txt', content: 'gone' },
      { name: 'opt/app/recreated.txt', content: 'recreated-in-base' },
      { name: 'opt/data/old.txt', content: 'old' },
      { name: 'opt/data/sub/deep.txt', content: 'deep' },
      { name: 'usr/share/x/deleted-dir/file.txt', content: 'deleted' },
      { name: 'srv/thing/inner.txt', content: 'inner' },
      { name: 'srv/was-file', content: 'was a file' },
      { name: 'srv/target.txt', content: 'target in base' },
      { name: 'srv/link', type: 'symlink', linkname: 'target.txt' },
    ]);
    const middle = await plain([
      { name: 'etc/os-release', content: 'ID=middle' },
      { name: 'opt/app/.wh.gone.txt' },
      // A whiteout only hides lower layers: the same layer may create the path again.
      { name: 'opt/app/.wh.recreated.txt' },
      { name: 'opt/app/recreated.txt', content: 'recreated-in-middle' },
      { name: 'opt/data/', type: 'directory' },
      { name: 'opt/data/.wh..wh..opq' },
      { name: 'opt/data/new.txt', content: 'new' },
      { name: 'usr/share/x/.wh.deleted-dir' },
      { name: 'srv/thing', content: 'a file replaces the directory' },
      { name: 'srv/was-file/', type: 'directory' },
      { name: 'srv/was-file/child.txt', content: 'a directory replaces the file' },
    ]);
    const top = await zst([
      { name: 'opt/app/gone.txt', content: 'back again' },
      { name: 'srv/target.txt', content: 'target in top' },
      { name: 'usr/share/x/deleted-dir/fresh.txt', content: 'fresh' },
    ]);
    const { filesystem, digests } = await walk([base, middle, top]);
    const [b, m, t] = digests;

    expect(snapshot(filesystem.filesFor('all').all())).toEqual({
      '/etc/os-release': [m, 'ID=middle'],
      '/opt/app/gone.txt': [t, 'back again'],
      '/opt/app/keep.txt': [b, 'keep'],
      '/opt/app/recreated.txt': [m, 'recreated-in-middle'],
      '/opt/data/new.txt': [m, 'new'],
      '/srv/target.txt': [t, 'target in top'],
      '/srv/thing': [m, 'a file replaces the directory'],
      '/srv/was-file/child.txt': [m, 'a directory replaces the file'],
      '/usr/share/x/deleted-dir/fresh.txt': [t, 'fresh'],
    });
    // The symlink from the base layer now leads to the top layer's file.
    expect(filesystem.filesFor('all').get('/srv/link')).toMatchObject({ path: '/srv/target.txt', layerDigest: t });
    expect(filesystem.warnings()).toEqual([]);
  });

  it('lets a whiteout or a file hide a lower symlink, and a directory replace a lower symlink', async () => {
    const base = await gz([
      { name: 'usr/lib/os-release', content: 'ID=debian' },
      { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
      { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
      { name: 'bin', type: 'symlink', linkname: 'usr/bin' },
    ]);
    const upper = await gz([{ name: '.wh.bin' }, { name: 'lib/', type: 'directory' }, { name: 'lib/own.txt', content: 'own' }]);
    const { filesystem } = await walk([base, upper]);
    const files = filesystem.filesFor('all');
    expect(files.get('/etc/os-release')?.content.toString()).toBe('ID=debian');
    expect(files.get('/lib/os-release')).toBeUndefined();
    expect(files.get('/lib/own.txt')?.content.toString()).toBe('own');
    expect(filesystem.symlinks().map((s) => s.path)).toEqual(['/etc/os-release']);
  });

  it('reads zstd layers made of several frames, skippable frames included', async () => {
    const tar = await tarLayer([
      { name: 'etc/os-release', content: 'ID=wolfi\n' },
      { name: 'usr/share/big', content: 'z'.repeat(300_000) },
    ]);
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 8, 0, 0, 0]), Buffer.from('metadata')]);
    const blob = Buffer.concat([skippable, zstdLayer(tar.subarray(0, 1000)), zstdLayer(tar.subarray(1000), ['-19'])]);
    const { filesystem } = await walk([{ blob, mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' }]);
    expect(Object.fromEntries(filesystem.filesFor('all').all().map((f) => [f.path, f.content.length]))).toEqual({ '/etc/os-release': 9, '/usr/share/big': 300_000 });
  });

  it('normalizes member names: leading ./ and /, duplicate slashes, . and ..', async () => {
    const layer = await gz([
      { name: './a//b/./c.txt', content: '1' },
      { name: '/abs/d.txt', content: '2' },
      { name: 'x/y/../z.txt', content: '3' },
    ]);
    const { filesystem } = await walk([layer]);
    expect(Object.keys(snapshot(filesystem.filesFor('all').all()))).toEqual(['/a/b/c.txt', '/abs/d.txt', '/x/z.txt']);
  });

  it('reads hard links to wanted files as their target, and skips a link whose target was not kept', async () => {
    const layer = await gz([
      { name: 'usr/bin/tool', content: 'binary' },
      { name: 'usr/bin/tool-alias', type: 'link', linkname: 'usr/bin/tool' },
      { name: 'opt/unwanted', content: 'not kept' },
      { name: 'usr/bin/link-to-unwanted', type: 'link', linkname: 'opt/unwanted' },
    ]);
    const { filesystem, digests } = await walk([layer], [recordingCataloger('bin', '/usr/bin/')]);
    expect(snapshot(filesystem.filesFor('bin').all())).toEqual({
      '/usr/bin/tool': [digests[0], 'binary'],
      '/usr/bin/tool-alias': [digests[0], 'binary'],
    });
    expect(filesystem.warnings()).toEqual([expect.stringContaining('skipped /usr/bin/link-to-unwanted: a hard link to /opt/unwanted')]);
  });

  it("gives each cataloger what it wanted, a larger file cut at that cataloger's limit", async () => {
    const layer = await gz([
      { name: 'etc/small', content: 'x'.repeat(10) },
      { name: 'etc/large', content: 'y'.repeat(5000) },
      { name: 'var/other', content: 'other' },
    ]);
    const { filesystem } = await walk([layer], [recordingCataloger('etc', '/etc/', 100), recordingCataloger('var', '/var/'), recordingCataloger('any', '/', 300)]);
    const seen = (name: string) => Object.fromEntries(filesystem.filesFor(name).all().map((f) => [f.path, [f.size, f.content.length]]));
    expect(seen('etc')).toEqual({ '/etc/large': [5000, 100], '/etc/small': [10, 10] });
    expect(seen('var')).toEqual({ '/var/other': [5, 5] });
    expect(seen('any')).toEqual({ '/etc/large': [5000, 300], '/etc/small': [10, 10], '/var/other': [5, 5] });
    expect(filesystem.warnings()).toEqual([
      expect.stringContaining('etc gets only the first 100 bytes of /etc/large (4.9 KiB), its limit'),
      expect.stringContaining('any gets only the first 300 bytes of /etc/large (4.9 KiB), its limit'),
    ]);
  });

  it('streams files through `extract`: an extractor may stop early or fail without stopping the walk', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 'a');
    const layer = await gz([
      { name: 'bin/early', content: big },
      { name: 'bin/broken', content: 'boom' },
      { name: 'bin/after', content: 'after' },
    ]);
    const extractor: Cataloger = {
      name: 'extractor',
      wants: (p) => (p.startsWith('/bin/') ? 64 : false),
      async extract(stream: Readable, file) {
        if (file.path === '/bin/broken') throw new Error('not an executable');
        for await (const chunk of stream) return (chunk as Buffer).subarray(0, 8); // the first bytes are all it needs
        return undefined;
      },
      catalog: () => [],
    };
    const { filesystem } = await walk([layer], [extractor]);
    expect(Object.fromEntries(filesystem.filesFor('extractor').all().map((f) => [f.path, [f.size, f.content.toString()]]))).toEqual({
      '/bin/after': [5, 'after'],
      '/bin/early': [big.length, 'aaaaaaaa'],
    });
    expect(filesystem.warnings()).toEqual([expect.stringContaining('extractor could not read /bin/broken: not an executable')]);
  });
});

describe('layers written by GNU tar', () => {
  const LONG_DIR = `opt/${'a-directory-name-that-takes-room/'.repeat(5)}`;

  async function hostTree(): Promise<string> {
    const dir = await fs.mkdtemp(path.join(root, 'tree-'));
    await fs.mkdir(path.join(dir, LONG_DIR), { recursive: true });
    await fs.writeFile(path.join(dir, LONG_DIR, 'package.json'), '{"name":"deep","version":"1.0.0"}');
    await fs.symlink(`/${LONG_DIR}package.json`, path.join(dir, 'shortcut.json'));
    await fs.link(path.join(dir, LONG_DIR, 'package.json'), path.join(dir, 'hard.json'));
    // A sparse file: a hole, then data.
    const handle = await fs.open(path.join(dir, 'sparse.json'), 'w');
    await handle.write('{"sparse":true}', 4 * 1024 * 1024, 'utf8');
    await handle.close();
    return dir;
  }

  for (const format of ['gnu', 'pax']) {
    it(`stacks a ${format}-format layer: long names and link targets, hard links; a sparse file is skipped with a warning`, async () => {
      const dir = await hostTree();
      const tar = execFileSync('tar', [`--format=${format}`, '-S', '--sort=name', '-cf', '-', '-C', dir, '.'], { maxBuffer: 64 * 1024 * 1024 });
      const { filesystem, digests } = await walk([{ blob: gzipLayer(tar), mediaType: OCI_LAYER_GZIP }], [recordingCataloger('json', '/', 1024)]);
      const content = '{"name":"deep","version":"1.0.0"}';
      expect(snapshot(filesystem.filesFor('json').all())).toEqual({
        [`/${LONG_DIR}package.json`]: [digests[0], content],
        '/hard.json': [digests[0], content],
      });
      expect(filesystem.filesFor('json').get('/shortcut.json')?.content.toString()).toBe(content);
      expect(filesystem.warnings()).toEqual([expect.stringContaining('skipped /sparse.json: a GNU sparse file, which is not read')]);
    });
  }
});

describe('hostile layers', () => {
  it('clamps .. and absolute names at the image root and never touches the host', async () => {
    const hostPasswd = readFileSync('/etc/passwd', 'utf8');
    const layer = await gz([
      { name: '../../etc/passwd', content: 'evil' },
      { name: '/../../../tmp/escape.txt', content: 'evil' },
    ]);
    const { filesystem } = await walk([layer]);
    expect(Object.keys(snapshot(filesystem.filesFor('all').all()))).toEqual(['/etc/passwd', '/tmp/escape.txt']);
    expect(filesystem.warnings()).toEqual([
      expect.stringContaining('the member "../../etc/passwd" climbs above the root; read as /etc/passwd'),
      expect.stringContaining('the member "/../../../tmp/escape.txt" climbs above the root; read as /tmp/escape.txt'),
    ]);
    expect(readFileSync('/etc/passwd', 'utf8')).toBe(hostPasswd);
    await expect(fs.stat(path.join(root, '..', '..', 'tmp', 'escape.txt'))).rejects.toThrow();
  });

  it('ends symlink loops and over-long chains in a bounded skip; links never leave the image root', async () => {
    const chain = Array.from({ length: 45 }, (_, i) => ({ name: `chain/${i}`, type: 'symlink' as const, linkname: `${i + 1}` }));
    const layer = await gz([
      { name: 'usr/lib/os-release', content: 'ID=debian' },
      { name: 'loop/a', type: 'symlink', linkname: 'b' },
      { name: 'loop/b', type: 'symlink', linkname: '/loop/a' },
      { name: 'self', type: 'symlink', linkname: 'self' },
      { name: 'escape', type: 'symlink', linkname: '../../../../../usr/lib/os-release' },
      { name: 'chain/45', content: 'end of the chain' },
      ...chain,
    ]);
    const { filesystem } = await walk([layer]);
    const files = filesystem.filesFor('all');
    expect(files.get('/loop/a')).toBeUndefined();
    expect(files.get('/self/x')).toBeUndefined();
    expect(files.get('/escape')?.content.toString()).toBe('ID=debian');
    expect(files.get('/chain/10')?.content.toString()).toBe('end of the chain'); // 35 links: within the limit
    expect(files.get('/chain/0')).toBeUndefined(); // 45 links: over it
    expect(filesystem.warnings()).toEqual([
      '/loop/a: more than 40 symbolic links (a loop?); skipped',
      '/self/x: more than 40 symbolic links (a loop?); skipped',
      '/chain/0: more than 40 symbolic links (a loop?); skipped',
    ]);
  });

  it('refuses a layer with more members than the limit', async () => {
    const layer = await gz(Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, content: 'x' })));
    await expect(walk([layer], undefined, { maxEntries: 10 })).rejects.toThrow(/layer 1 of 1 \(sha256:[0-9a-f]{64}\) cannot be read: the layer has more than 10 tar members/);
  });

  it('skips files past the per-layer budget with a warning', async () => {
    const layer = await gz(Array.from({ length: 5 }, (_, i) => ({ name: `etc/f${i}`, content: 'x'.repeat(400) })));
    const { filesystem } = await walk([layer], undefined, { maxCollectedBytesPerLayer: 1000 });
    expect(filesystem.filesFor('all').all().map((f) => f.path)).toEqual(['/etc/f0', '/etc/f1']);
    expect(filesystem.warnings()).toHaveLength(3);
    expect(filesystem.warnings()[0]).toMatch(/skipped \/etc\/f2: the layer's files for catalogers passed 1000 bytes/);
  });

  it('refuses layers compressed with something the image spec does not allow', async () => {
    const xz = { blob: Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(64)]), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' };
    await expect(walk([xz])).rejects.toThrow(/cannot be read: the layer is xz-compressed/);
  });

  it('refuses a zstd frame that asks for a huge window before allocating it', async () => {
    // From a pipe the size is unknown, so zstd keeps --long=30's 1 GiB window in the frame header.
    const blob = zstdLayer(await tarLayer([{ name: 'a', content: 'a' }]), ['--long=30']);
    await expect(walk([{ blob, mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' }])).rejects.toThrow(
      /cannot be read: a zstd frame asks for a 1 GiB window, over the 128 MiB limit/,
    );
  });
});
