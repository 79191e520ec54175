/**
 * The docker-archive store against real archives: written by `skopeo copy … docker-archive:`
 * from the test environment's fixture layouts, and re-packed with GNU tar into the other shapes
 * `docker save` produces (Docker 25+'s OCI layout inside the tar, several images in one archive)
 * and into the header formats tar writers use for long names (GNU, pax).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { fixtureImage } from '../../test-support/test-env';
import { sha256Digest } from '../digest';
import { isIndex, type ImageManifest } from '../manifest';
import { DOCKER_CONFIG, DOCKER_LAYER_GZIP, DOCKER_MANIFEST, OCI_MANIFEST } from '../media-types';
import { OciLayoutStore } from '../layout/store';
import { DOCKER_LAYER_TAR } from './archive-images';
import { DockerArchiveStore } from './store';
import { scanTar } from './tar-index';
import { shipshapeFailure } from '../../test-support/failures';

let work: string;
let debianArchive: string;
let debianLayoutManifest: ImageManifest;
let arm64Archive: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'shipshape-archive-'));
  const debian = fixtureImage('debian12');
  debianArchive = path.join(work, 'debian12.tar');
  tool('skopeo', ['copy', '--quiet', `oci:${debian.layout}:${debian.tag}`, `docker-archive:${debianArchive}:shipshape/debian12:1`]);
  debianLayoutManifest = await imageManifest(new OciLayoutStore(debian.layout), debian.tag);
  const multiarch = fixtureImage('multiarch');
  arm64Archive = path.join(work, 'multiarch-arm64.tar');
  tool('skopeo', ['copy', '--quiet', '--override-arch', 'arm64', `oci:${multiarch.layout}:${multiarch.tag}`, `docker-archive:${arm64Archive}:shipshape/multiarch:1`]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function tool(command: string, args: string[], cwd?: string): string {
  return execFileSync(command, args, { encoding: 'utf8', cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function imageManifest(store: OciLayoutStore | DockerArchiveStore, ref: string): Promise<ImageManifest> {
  const { manifest } = await store.getManifest(ref);
  if (isIndex(manifest)) throw new Error('expected an image manifest');
  return manifest;
}

async function streamDigest(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** Extracts an archive into a fresh directory (to re-pack it in another shape). */
function extract(archive: string, name: string): string {
  const dir = path.join(work, `${name}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir);
  tool('tar', ['-xf', archive, '-C', dir]);
  return dir;
}

function pack(dir: string, name: string, format: 'gnu' | 'pax' | 'ustar' = 'gnu'): string {
  const file = path.join(work, `${name}-${Math.random().toString(36).slice(2, 8)}.tar`);
  tool('tar', [`--format=${format}`, '-cf', file, '-C', dir, '.']);
  return file;
}

type ManifestJson = { Config: string; RepoTags: string[] | null; Layers: string[] }[];

function readManifestJson(dir: string): ManifestJson {
  return JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as ManifestJson;
}

describe('an archive skopeo wrote', () => {
  it('resolves to the config digest of the image, says so, and matches the layout the image came from', async () => {
    const store = new DockerArchiveStore(debianArchive);
    const descriptor = await store.resolve('');
    expect(descriptor.digest).toBe(debianLayoutManifest.config.digest);
    expect(descriptor.annotations).toEqual({ 'dev.shipshape.digest-kind': 'config' });
    expect(descriptor.mediaType).toBe(DOCKER_MANIFEST);
    expect(store.writable).toBe(false);
  });

  it('synthesizes a schema-2 manifest whose layers stream and verify and equal the config diff_ids and what skopeo sees', async () => {
    const store = new DockerArchiveStore(debianArchive);
    const { descriptor, bytes, manifest } = await store.getManifest('');
    expect(descriptor).toEqual({ mediaType: DOCKER_MANIFEST, digest: sha256Digest(bytes), size: bytes.length });
    if (isIndex(manifest)) throw new Error('expected an image manifest');
    expect(manifest.mediaType).toBe(DOCKER_MANIFEST);
    expect(manifest.config).toMatchObject({ mediaType: DOCKER_CONFIG, digest: debianLayoutManifest.config.digest, size: debianLayoutManifest.config.size });

    const config = JSON.parse((await store.readBlob(manifest.config)).toString('utf8')) as { rootfs: { diff_ids: string[] } };
    expect(manifest.layers.map((l) => l.digest)).toEqual(config.rootfs.diff_ids);
    const skopeo = JSON.parse(tool('skopeo', ['inspect', `docker-archive:${debianArchive}`])) as { Layers: string[] };
    expect(manifest.layers.map((l) => l.digest)).toEqual(skopeo.Layers);
    expect(manifest.layers).toHaveLength(debianLayoutManifest.layers.length);
    for (const layer of manifest.layers) {
      expect(layer.mediaType).toBe(DOCKER_LAYER_TAR);
      expect(await store.hasBlob(layer.digest)).toBe(true);
      expect(await streamDigest(await store.openBlob(layer))).toBe(layer.digest);
    }
  });

  it('is addressed by RepoTag (as Docker normalizes it), by config digest and by manifest digest', async () => {
    const store = new DockerArchiveStore(debianArchive);
    const configDigest = debianLayoutManifest.config.digest;
    expect(await store.listTags()).toEqual(['docker.io/shipshape/debian12:1']);
    for (const name of ['shipshape/debian12:1', 'docker.io/shipshape/debian12:1', configDigest, (await store.getManifest('')).descriptor.digest]) {
      expect((await store.resolve(name)).digest).toBe(configDigest);
    }
    const missing = await shipshapeFailure(store.resolve('shipshape/other:1'));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.hint).toContain('docker.io/shipshape/debian12:1');
    expect(await store.referrers(configDigest)).toEqual([]);
  });

  it('gives the config digest of the chosen platform of a multi-platform image', async () => {
    const multiarch = fixtureImage('multiarch');
    const arm64 = multiarch.platforms.find((p) => p.architecture === 'arm64');
    if (!arm64) throw new Error('the multiarch fixture has no arm64 image');
    const layoutManifest = await imageManifest(new OciLayoutStore(multiarch.layout), arm64.digest);
    const store = new DockerArchiveStore(arm64Archive);
    expect((await store.resolve('')).digest).toBe(layoutManifest.config.digest);
    for (const layer of (await imageManifest(store, '')).layers) expect(await streamDigest(await store.openBlob(layer))).toBe(layer.digest);
  });

  it('refuses every write with a usage error', async () => {
    const store = new DockerArchiveStore(debianArchive);
    const manifest = (await store.getManifest('')).bytes;
    for (const attempt of [store.putBlob(Buffer.from('data'), 'application/octet-stream'), store.putManifest(manifest, DOCKER_MANIFEST, 'copy')]) {
      const error = await shipshapeFailure(attempt);
      expect(error.kind).toBe('usage');
      expect(error.message).toContain('read-only');
      expect(error.hint).toContain('oci:DIR');
    }
  });
});

describe("Docker 25+'s OCI layout inside the tar", () => {
  /** Re-packs the debian12 image as `docker save` 25+ does: blobs/sha256/…, index.json, manifest.json naming blob paths. */
  function dockerSave25(compressedLayers: boolean): string {
    const fixture = fixtureImage('debian12');
    const dir = path.join(work, `docker25-${compressedLayers}-${Math.random().toString(36).slice(2, 8)}`);
    const blobs = path.join(dir, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    const source = (digest: string) => readFileSync(path.join(fixture.layout, 'blobs', 'sha256', digest.slice(7)));
    const put = (data: Buffer) => {
      const digest = sha256Digest(data);
      writeFileSync(path.join(blobs, digest.slice(7)), data);
      return { digest, size: data.length };
    };
    const config = put(source(debianLayoutManifest.config.digest));
    const layers = debianLayoutManifest.layers.map((l) => (compressedLayers ? put(source(l.digest)) : put(gunzipSync(source(l.digest)))));
    const manifest = put(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
          layers: layers.map((l) => ({ mediaType: `application/vnd.oci.image.layer.v1.tar${compressedLayers ? '+gzip' : ''}`, ...l })),
        }),
      ),
    );
    writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(
      path.join(dir, 'index.json'),
      JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: OCI_MANIFEST, ...manifest, annotations: { 'io.containerd.image.name': 'docker.io/team/app:2' } }] }),
    );
    const manifestJson = [{ Config: `blobs/sha256/${config.digest.slice(7)}`, RepoTags: ['team/app:2'], Layers: layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`) }];
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifestJson));
    return pack(dir, 'docker25');
  }

  it('reads uncompressed layers by their diff_ids', async () => {
    const store = new DockerArchiveStore(dockerSave25(false));
    expect((await store.resolve('team/app:2')).digest).toBe(debianLayoutManifest.config.digest);
    const manifest = await imageManifest(store, '');
    for (const layer of manifest.layers) {
      expect(layer.mediaType).toBe(DOCKER_LAYER_TAR);
      expect(await streamDigest(await store.openBlob(layer))).toBe(layer.digest);
    }
  });

  it('reads gzip-compressed layers (containerd image store) by their compressed digests', async () => {
    const store = new DockerArchiveStore(dockerSave25(true));
    const manifest = await imageManifest(store, '');
    expect(manifest.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size }))).toEqual(
      debianLayoutManifest.layers.map((l) => ({ mediaType: DOCKER_LAYER_GZIP, digest: l.digest, size: l.size })),
    );
    for (const layer of manifest.layers) expect(await streamDigest(await store.openBlob(layer))).toBe(layer.digest);
  });
});

describe('archives in other shapes', () => {
  it('holds several images: no tag means the first, a RepoTag selects another', async () => {
    const dir = extract(debianArchive, 'multi');
    const second = extract(arm64Archive, 'second');
    cpSync(second, dir, { recursive: true, filter: (src) => path.basename(src) !== 'manifest.json' && path.basename(src) !== 'repositories' });
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([...readManifestJson(dir), ...readManifestJson(second)]));
    const store = new DockerArchiveStore(pack(dir, 'two-images'));
    const arm64Config = (await imageManifest(new DockerArchiveStore(arm64Archive), '')).config.digest;
    expect((await store.resolve('')).digest).toBe(debianLayoutManifest.config.digest);
    expect((await store.resolve('shipshape/multiarch:1')).digest).toBe(arm64Config);
    expect(await store.listTags()).toEqual(['docker.io/shipshape/debian12:1', 'docker.io/shipshape/multiarch:1']);
    expect(await store.hasBlob(arm64Config)).toBe(true);
  });

  it('follows the `<id>/layer.tar` links that docker save before version 25 names', async () => {
    const dir = extract(debianArchive, 'legacy-links');
    const entries = readManifestJson(dir);
    const links = tool('find', ['.', '-name', 'layer.tar', '-type', 'l', '-printf', '%P %l\\n'], dir).trim().split('\n');
    const linkFor = new Map(links.map((line) => line.split(' ')).map(([link, target]) => [path.basename(target), link]));
    entries[0].Layers = entries[0].Layers.map((layer) => linkFor.get(layer) ?? '');
    expect(entries[0].Layers.every((layer) => /^[a-f0-9]{64}\/layer\.tar$/.test(layer))).toBe(true);
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(entries));
    const store = new DockerArchiveStore(pack(dir, 'legacy-links'));
    const manifest = await imageManifest(store, '');
    expect(manifest.layers.map((l) => l.digest)).toEqual((await imageManifest(new DockerArchiveStore(debianArchive), '')).layers.map((l) => l.digest));
    for (const layer of manifest.layers) expect(await streamDigest(await store.openBlob(layer))).toBe(layer.digest);
  });

  it.each(['gnu', 'pax'] as const)('reads members with long names written in %s format', async (format) => {
    const dir = extract(debianArchive, `long-${format}`);
    const entries = readManifestJson(dir);
    const longDir = `${'very-long-directory-name-'.repeat(6)}end`;
    mkdirSync(path.join(dir, longDir));
    entries[0].Layers = entries[0].Layers.map((layer, i) => {
      const target = `${longDir}/layer-${i}-${'x'.repeat(40)}.tar`;
      cpSync(path.join(dir, layer), path.join(dir, target), { dereference: true });
      return target;
    });
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(entries));
    const store = new DockerArchiveStore(pack(dir, `long-${format}`, format));
    const manifest = await imageManifest(store, '');
    expect(entries[0].Layers[0].length).toBeGreaterThan(200);
    for (const layer of manifest.layers) expect(await streamDigest(await store.openBlob(layer))).toBe(layer.digest);
  });
});

describe('broken and hostile archives', () => {
  it('reports an archive cut short inside a member', async () => {
    const file = path.join(work, 'cut-inside.tar');
    cpSync(debianArchive, file);
    truncateSync(file, Math.floor(readFileSync(file).length / 3));
    const error = await shipshapeFailure(new DockerArchiveStore(file).resolve(''));
    expect(error.message).toMatch(/^the archive is truncated: member at offset \d+ needs \d+ bytes/);
    expect(error.where).toBe(file);
    expect(error.hint).toContain('create it again');
  });

  it('reports an archive cut short between members', async () => {
    const file = path.join(work, 'cut-between.tar');
    cpSync(debianArchive, file);
    const manifestMember = (await scanTar(file)).get('manifest.json');
    if (!manifestMember) throw new Error('no manifest.json in the archive');
    truncateSync(file, manifestMember.offset - 512);
    const error = await shipshapeFailure(new DockerArchiveStore(file).resolve(''));
    expect(error.message).toContain('without the end-of-archive marker');
  });

  it('fails a layer stream whose content was altered inside the archive', async () => {
    const file = path.join(work, 'tampered.tar');
    cpSync(debianArchive, file);
    const store = new DockerArchiveStore(file);
    const layer = (await imageManifest(store, '')).layers[0];
    const member = [...(await scanTar(file)).values()].find((m) => m.type === 'file' && m.size === layer.size);
    if (!member) throw new Error('layer member not found');
    const bytes = readFileSync(file);
    bytes[member.offset + 100] ^= 0xff;
    writeFileSync(file, bytes);
    await expect(streamDigest(await store.openBlob(layer))).rejects.toThrow(/digest mismatch.*altered or corrupted/);
  });

  it('refuses a member whose name climbs out of the archive', async () => {
    const dir = extract(debianArchive, 'hostile');
    const inner = path.join(dir, 'inner');
    mkdirSync(inner);
    writeFileSync(path.join(dir, 'evil'), 'x');
    const file = path.join(work, 'hostile.tar');
    // -P keeps the leading "../" that tar would otherwise strip.
    tool('tar', ['-P', '-cf', file, '../evil', '../manifest.json'], inner);
    expect(tool('tar', ['-tf', file])).toContain('../evil');
    const error = await shipshapeFailure(new DockerArchiveStore(file).resolve(''));
    expect(error.message).toBe('the archive has a member named "../evil", which points outside the archive');
    expect(error.hint).toContain('not an archive written by `docker save`');
  });

  it('refuses a manifest.json or a link that points outside the archive', async () => {
    const dir = extract(debianArchive, 'hostile-manifest');
    const entries = readManifestJson(dir);
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([{ ...entries[0], Config: '../../../etc/passwd' }]));
    await expect(new DockerArchiveStore(pack(dir, 'hostile-config')).resolve('')).rejects.toThrow('"../../../etc/passwd", which points outside the archive');

    const linkDir = extract(debianArchive, 'hostile-link');
    const layer = readManifestJson(linkDir)[0].Layers[0];
    rmSync(path.join(linkDir, layer));
    execFileSync('ln', ['-s', '/etc/passwd', path.join(linkDir, layer)]);
    await expect(new DockerArchiveStore(pack(linkDir, 'hostile-link')).resolve('')).rejects.toThrow('"/etc/passwd", which points outside the archive');
  });

  it('says what is wrong with a file that is not a docker save archive', async () => {
    const notTar = path.join(work, 'not-a-tar');
    writeFileSync(notTar, Buffer.alloc(4096, 'not a tar file at all '));
    await expect(new DockerArchiveStore(notTar).resolve('')).rejects.toThrow(/bad checksum \(not a tar file, or corrupted\)/);

    const plainTar = path.join(work, 'plain.tar');
    const plainDir = path.join(work, 'plain');
    mkdirSync(plainDir);
    writeFileSync(path.join(plainDir, 'hello.txt'), 'hello');
    tool('tar', ['-cf', plainTar, '-C', plainDir, 'hello.txt']);
    await expect(new DockerArchiveStore(plainTar).resolve('')).rejects.toThrow('no manifest.json, so it is not a `docker save` archive');

    const missing = await shipshapeFailure(new DockerArchiveStore(path.join(work, 'absent.tar')).resolve(''));
    expect(missing).toMatchObject({ code: 'NOT_FOUND', message: 'the docker-archive file does not exist' });
    await expect(new DockerArchiveStore(work).resolve('')).rejects.toThrow('is a directory');
  });
});
