/**
 * The OCI layout store against real layouts: the test environment's fixture layouts (built by its
 * tools), layouts written by skopeo, and layouts we write and then hand to skopeo and umoci.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { fixtureImage, type FixtureImage } from '../../test-support/test-env';
import { makeTestImage, pushReferrer, pushTestImage } from '../../test-support/images';
import { sha256Digest } from '../digest';
import { imageIndexSchema, isIndex, type Descriptor } from '../manifest';
import { OCI_INDEX, OCI_MANIFEST } from '../media-types';
import { runTs } from './test-support/run-ts';
import { OciLayoutStore } from './store';
import { shipshapeFailure } from '../../test-support/failures';

const SIGNATURE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const SBOM = 'application/vnd.cyclonedx+json';

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'shipshape-layout-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function freshDir(name: string): string {
  return path.join(work, `${name}-${Math.random().toString(36).slice(2, 8)}`);
}

function tool(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function streamDigest(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

describe('reading the fixture layouts', () => {
  let debian: FixtureImage;
  let multiarch: FixtureImage;
  beforeAll(() => {
    debian = fixtureImage('debian12');
    multiarch = fixtureImage('multiarch');
  });

  it('resolves a single-platform image by tag, by digest and with no tag to the digest skopeo reported', async () => {
    const store = new OciLayoutStore(debian.layout);
    for (const name of [debian.tag, debian.digest, '']) {
      const descriptor = await store.resolve(name);
      expect(descriptor).toMatchObject({ digest: debian.digest, mediaType: debian.mediaType, size: debian.size });
    }
    expect(await store.listTags()).toEqual([debian.tag]);
  });

  it('reads the manifest, then streams and verifies the config and every layer', async () => {
    const store = new OciLayoutStore(debian.layout);
    const { descriptor, bytes, manifest } = await store.getManifest(debian.tag);
    expect(descriptor.digest).toBe(debian.digest);
    expect(sha256Digest(bytes)).toBe(debian.digest);
    if (isIndex(manifest)) throw new Error('expected an image manifest');
    const config = JSON.parse((await store.readBlob(manifest.config)).toString('utf8')) as { architecture: string; os: string };
    expect(`${config.os}/${config.architecture}`).toBe(`${debian.platforms[0].os}/${debian.platforms[0].architecture}`);
    expect(manifest.layers.length).toBeGreaterThan(0);
    for (const layer of manifest.layers) {
      expect(await store.hasBlob(layer.digest)).toBe(true);
      expect(await streamDigest(await store.openBlob(layer))).toBe(layer.digest);
    }
  });

  it('reads a multi-platform index and resolves each platform manifest, which index.json does not list', async () => {
    const store = new OciLayoutStore(multiarch.layout);
    const { descriptor, manifest } = await store.getManifest(multiarch.tag);
    expect(descriptor).toMatchObject({ digest: multiarch.digest, mediaType: multiarch.mediaType });
    if (!isIndex(manifest)) throw new Error('expected an image index');
    const platforms = manifest.manifests.map((d) => ({ os: d.platform?.os, architecture: d.platform?.architecture, digest: d.digest }));
    expect(platforms).toEqual(multiarch.platforms.map((p) => ({ os: p.os, architecture: p.architecture, digest: p.digest })));
    for (const platform of multiarch.platforms) {
      expect(await store.resolve(platform.digest)).toEqual({ mediaType: platform.mediaType, digest: platform.digest, size: platform.size });
      const child = await store.getManifest(platform.digest);
      expect(child.descriptor.digest).toBe(platform.digest);
    }
  });

  it('reads a layout skopeo wrote', async () => {
    const dir = freshDir('skopeo-copy');
    tool('skopeo', ['copy', '--quiet', `oci:${debian.layout}:${debian.tag}`, `oci:${dir}:copied`]);
    const store = new OciLayoutStore(dir);
    expect((await store.resolve('copied')).digest).toBe(debian.digest);
    expect(await store.listTags()).toEqual(['copied']);
  });
});

describe('errors a user can act on', () => {
  it('says which tags exist when a tag is missing, with code NOT_FOUND and the directory', async () => {
    const { layout } = fixtureImage('debian12');
    const error = await shipshapeFailure(new OciLayoutStore(layout).resolve('nope'));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('no image tagged "nope"');
    expect(error.where).toBe(`oci:${layout}`);
    expect(error.hint).toContain('tags in this layout: 1');
  });

  it('reports a digest that is not in the layout as NOT_FOUND', async () => {
    const error = await shipshapeFailure(new OciLayoutStore(fixtureImage('debian12').layout).resolve(sha256Digest('absent')));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('is not in the OCI layout');
  });

  it('reports a directory that is not a layout as NOT_FOUND, naming it', async () => {
    const dir = freshDir('nothing');
    const error = await shipshapeFailure(new OciLayoutStore(dir).resolve('1'));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain(`no OCI image layout at ${dir}`);
    expect(await new OciLayoutStore(dir).listTags()).toEqual([]);
    expect(await new OciLayoutStore(dir).referrers(sha256Digest('x'))).toEqual([]);
  });

  it('asks which image is meant when a layout holds several, and says when it holds none', async () => {
    const dir = freshDir('several');
    const store = new OciLayoutStore(dir);
    await store.putBlob(Buffer.from('{}'), 'application/vnd.oci.empty.v1+json');
    const empty = await shipshapeFailure(store.resolve(''));
    expect(empty.code).toBe('NOT_FOUND');
    expect(empty.message).toContain('holds no image');

    await pushTestImage(store, makeTestImage(), 'a');
    const only = await store.resolve('');
    await pushReferrer(store, only, SIGNATURE);
    // A referrers index is not "an image": the layout still has exactly one.
    expect((await store.resolve('')).digest).toBe(only.digest);

    await pushTestImage(store, makeTestImage(), 'b');
    const several = await shipshapeFailure(store.resolve(''));
    expect(several.kind).toBe('usage');
    expect(several.message).toContain('holds 2 images');
    expect(several.hint).toContain(`oci:${dir}:a`);
    expect(several.hint).toContain(`oci:${dir}:b`);
  });

  it('never turns a crafted digest into a path outside the layout', async () => {
    const store = new OciLayoutStore(fixtureImage('debian12').layout);
    for (const digest of ['sha256:../../../../etc/passwd', 'sha256:/etc/passwd', `sha256:${'a'.repeat(63)}/`, 'md5:../x']) {
      const error = await shipshapeFailure(store.openBlob({ digest, size: 1 }));
      expect(error.message).toContain('is not a valid digest');
      await expect(store.hasBlob(digest)).rejects.toThrow('is not a valid digest');
    }
  });

  it('refuses to write into a path that is a file', async () => {
    const file = freshDir('a-file');
    writeFileSync(file, 'not a directory');
    const error = await shipshapeFailure(new OciLayoutStore(file).putBlob(Buffer.from('x'), 'application/octet-stream'));
    expect(error.message).toBe(`${file} is not a directory, so it cannot hold an OCI image layout`);
  });

  it('refuses an invalid tag', async () => {
    const store = new OciLayoutStore(freshDir('bad-tag'));
    const image = makeTestImage();
    const error = await shipshapeFailure(pushTestImage(store, image, 'bad tag\n'));
    expect(error.message).toContain('invalid tag');
  });
});

describe('a corrupted blob file', () => {
  let dir: string;
  let store: OciLayoutStore;
  let manifestDigest: string;
  let layer: Descriptor;
  let layerBytes: Buffer;

  beforeEach(async () => {
    const fixture = fixtureImage('debian12');
    dir = freshDir('corrupt');
    cpSync(fixture.layout, dir, { recursive: true });
    store = new OciLayoutStore(dir);
    const { manifest } = await store.getManifest(fixture.tag);
    if (isIndex(manifest)) throw new Error('expected an image manifest');
    manifestDigest = fixture.digest;
    layer = manifest.layers[0];
    const file = path.join(dir, 'blobs', 'sha256', layer.digest.slice('sha256:'.length));
    layerBytes = readFileSync(file);
    const altered = Buffer.from(layerBytes);
    altered[altered.length >> 1] ^= 0xff; // same size, different content
    writeFileSync(file, altered);
  });

  it('fails the stream, whole reads and existence checks', async () => {
    await expect(streamDigest(await store.openBlob(layer))).rejects.toThrow(/digest mismatch.*altered or corrupted/);
    await expect(store.readBlob(layer)).rejects.toThrow(/digest mismatch/);
    await expect(store.hasBlob(layer.digest)).rejects.toThrow(/does not match its digest/);
  });

  it('is detected in a manifest too', async () => {
    const file = path.join(dir, 'blobs', 'sha256', manifestDigest.slice('sha256:'.length));
    writeFileSync(file, readFileSync(file, 'utf8').replace('"schemaVersion":2', '"schemaVersion":2 '));
    await expect(store.getManifest('1')).rejects.toThrow(/content size .* does not match|digest mismatch/);
  });

  it('blocks a manifest that references it, and is repaired by writing the blob again', async () => {
    const { bytes } = await new OciLayoutStore(fixtureImage('debian12').layout).getManifest('1');
    await expect(store.putManifest(bytes, OCI_MANIFEST, 'again')).rejects.toThrow(`blob ${layer.digest} (corrupted)`);
    await store.putBlob(layerBytes, layer.mediaType);
    expect(await store.hasBlob(layer.digest)).toBe(true);
    expect((await store.putManifest(bytes, OCI_MANIFEST, 'again')).digest).toBe(manifestDigest);
  });

  it('is found when a stream is opened with the wrong size', async () => {
    await expect(store.openBlob({ digest: layer.digest, size: layer.size + 1 })).rejects.toThrow(/expected \d+ \(the file is corrupted\)/);
  });
});

describe('writing a layout that real tools read', () => {
  it('writes images, an index and tags that skopeo and umoci read', async () => {
    const dir = freshDir('written');
    const store = new OciLayoutStore(dir);
    const amd64 = makeTestImage({ architecture: 'amd64', layerSizes: [2048, 4096] });
    const arm64 = makeTestImage({ architecture: 'arm64' });
    const amd64Descriptor = await pushTestImage(store, amd64, 'amd64');
    const arm64Descriptor = await pushTestImage(store, arm64);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { ...amd64Descriptor, platform: { os: 'linux', architecture: 'amd64' } },
          { mediaType: arm64Descriptor.mediaType, digest: arm64Descriptor.digest, size: arm64Descriptor.size, platform: { os: 'linux', architecture: 'arm64' } },
        ],
      }),
    );
    const indexDescriptor = await store.putManifest(index, OCI_INDEX, 'multi');

    expect(JSON.parse(readFileSync(path.join(dir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(tool('skopeo', ['inspect', '--raw', `oci:${dir}:amd64`])).toBe(amd64.manifest.toString('utf8'));
    expect(tool('skopeo', ['inspect', '--raw', `oci:${dir}:multi`])).toBe(index.toString('utf8'));
    expect(tool('umoci', ['ls', '--layout', dir]).split('\n').filter(Boolean).sort()).toEqual(['amd64', 'multi']);
    // skopeo reads every blob of the index when copying it: all of them are there and intact.
    const copy = freshDir('copied');
    tool('skopeo', ['copy', '--quiet', '--all', `oci:${dir}:multi`, `oci:${copy}:x`]);
    expect((await new OciLayoutStore(copy).resolve('x')).digest).toBe(indexDescriptor.digest);
    // The untagged arm64 manifest is a blob only: reachable through the index, not listed itself.
    expect(await store.listTags()).toEqual(['amd64', 'multi']);
    expect((await store.resolve(arm64.digest)).digest).toBe(arm64.digest);
  });

  it('moves a tag to the new image instead of listing it twice', async () => {
    const dir = freshDir('retag');
    const store = new OciLayoutStore(dir);
    await pushTestImage(store, makeTestImage(), 'latest');
    const second = makeTestImage();
    await pushTestImage(store, second, 'latest');
    expect(await store.listTags()).toEqual(['latest']);
    expect((await store.resolve('latest')).digest).toBe(second.digest);
    expect(tool('skopeo', ['inspect', '--raw', `oci:${dir}:latest`])).toBe(second.manifest.toString('utf8'));
  });

  it('refuses a manifest whose blobs are missing, and leaves index.json alone', async () => {
    const dir = freshDir('missing-blobs');
    const store = new OciLayoutStore(dir);
    const image = makeTestImage();
    await store.putBlob(image.config, 'application/vnd.oci.image.config.v1+json');
    const error = await shipshapeFailure(store.putManifest(image.manifest, OCI_MANIFEST, 'x'));
    expect(error.message).toContain(`blob ${sha256Digest(image.layers[0])}`);
    expect(await store.listTags()).toEqual([]);
    expect(await store.hasBlob(image.digest)).toBe(false);
  });
});

describe('referrers', () => {
  it('lists referrers added to a layout, filtered by artifactType, through a fallback tag other tools see', async () => {
    const dir = freshDir('referrers');
    const store = new OciLayoutStore(dir);
    const subject = await pushTestImage(store, makeTestImage(), 'app');
    const signature = await pushReferrer(store, subject, SIGNATURE);
    const sbom = await pushReferrer(store, subject, SBOM);
    const secondSignature = await pushReferrer(store, subject, SIGNATURE);

    const all = await store.referrers(subject.digest);
    expect(all.map((d) => d.digest).sort()).toEqual([signature.digest, sbom.digest, secondSignature.digest].sort());
    expect(all.find((d) => d.digest === sbom.digest)).toMatchObject({ artifactType: SBOM, mediaType: OCI_MANIFEST, size: sbom.size });
    const signatures = await store.referrers(subject.digest, { artifactType: SIGNATURE });
    expect(signatures.map((d) => d.digest).sort()).toEqual([signature.digest, secondSignature.digest].sort());
    expect(await store.referrers(sha256Digest('another subject'))).toEqual([]);

    const fallbackTag = `sha256-${subject.digest.slice('sha256:'.length)}`;
    expect(await store.listTags()).toEqual(['app', fallbackTag]);
    const raw = imageIndexSchema.parse(JSON.parse(tool('skopeo', ['inspect', '--raw', `oci:${dir}:${fallbackTag}`])));
    expect(raw.manifests).toHaveLength(3);
    expect(tool('umoci', ['ls', '--layout', dir]).split('\n').filter(Boolean).sort()).toEqual(['app', fallbackTag]);
  });

  it('keeps every one of 20 referrers written concurrently through separate store instances', async () => {
    const dir = freshDir('concurrent');
    const subject = await pushTestImage(new OciLayoutStore(dir), makeTestImage(), 'app');
    const written = await Promise.all(
      Array.from({ length: 20 }, (_, i) => pushReferrer(new OciLayoutStore(dir), subject, i % 2 === 0 ? SIGNATURE : SBOM)),
    );
    const listed = await new OciLayoutStore(dir).referrers(subject.digest);
    expect(listed.map((d) => d.digest).sort()).toEqual(written.map((d) => d.digest).sort());
    expect(await new OciLayoutStore(dir).referrers(subject.digest, { artifactType: SBOM })).toHaveLength(10);
  });

  it('loses no tag and no referrer when several processes write to one layout at once', async () => {
    const dir = freshDir('processes');
    const subject = await pushTestImage(new OciLayoutStore(dir), makeTestImage(), 'app');
    const writer = path.join(__dirname, 'test-support', 'layout-writer.ts');
    const processes = 6;
    const results = await Promise.all(
      Array.from({ length: processes }, (_, i) => runTs(writer, [dir, `worker-${i}`, JSON.stringify(subject), '3', SIGNATURE])),
    );
    for (const result of results) expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const outputs = results.map((r) => JSON.parse(r.stdout) as { image: string; referrers: string[] });

    const store = new OciLayoutStore(dir);
    const tags = await store.listTags();
    for (let i = 0; i < processes; i++) {
      expect(tags).toContain(`worker-${i}`);
      expect((await store.resolve(`worker-${i}`)).digest).toBe(outputs[i].image);
    }
    const listed = (await store.referrers(subject.digest)).map((d) => d.digest).sort();
    expect(listed).toEqual(outputs.flatMap((o) => o.referrers).sort());
    expect(tool('umoci', ['ls', '--layout', dir]).split('\n').filter(Boolean)).toHaveLength(processes + 2);
  });
});
