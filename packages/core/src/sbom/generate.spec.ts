/**
 * catalogImage on the test environment's fixture images (built by tools/test-env from real Debian and
 * npm data), from an OCI layout and from a real registry, and on images made here for the cases the
 * fixtures do not cover (platform selection errors, failing catalogers, non-image artifacts).
 */
import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OciLayoutStore } from '../oci/layout/store';
import { OCI_EMPTY, OCI_MANIFEST } from '../oci/media-types';
import { openImage } from '../oci/open';
import { fixtureImage, testEnv } from '../test-support/test-env';
import { defaultCatalogers, dpkgCataloger, osReleaseCataloger } from './catalogers';
import { catalogImage, sortPackages } from './generate';
import { hostPlatform } from './platforms';
import type { Cataloger, Package } from './types';
import { resolveLimits } from './walker/limits';
import { gz, openLayout, pushImage } from './walker/test-support/layers';
import { walkImageLayers } from './walker/walk-image';

/** name@version of every package the fixture app's lockfile installed under node_modules. */
function lockedNpmPackages(): string[] {
  const lock = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', '..', 'tools', 'test-env', 'fixtures', 'app', 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  return Object.entries(lock.packages)
    .filter(([p]) => p.includes('node_modules/'))
    .map(([p, v]) => `${p.slice(p.lastIndexOf('node_modules/') + 'node_modules/'.length)}@${v.version}`);
}

/** One package per /hello-* file: shows which platform's layers were read. */
const helloCataloger: Cataloger = {
  name: 'hello',
  wants: (p) => (p.startsWith('/hello-') ? 1024 : false),
  catalog: (files) =>
    files.all().map((f): Package => ({ name: f.path.slice(1), version: '1', type: 'npm', purl: `pkg:npm/${f.path.slice(1)}@1`, licenses: [], locations: [{ path: f.path, layerDigest: f.layerDigest }] })),
};

describe('the debian12 fixture image', () => {
  const image = () => fixtureImage('debian12');

  it('collects the dpkg status file and os-release from the layer that holds them', async () => {
    const opened = openImage(image().layoutReference);
    const { manifest } = await opened.store.getManifest(opened.tagOrDigest);
    const layers = (manifest as { layers: { digest: string; size: number; mediaType: string }[] }).layers;
    const filesystem = await walkImageLayers(opened.store, layers, { catalogers: [osReleaseCataloger, dpkgCataloger], limits: resolveLimits() });
    const status = filesystem.filesFor('dpkg').get('/var/lib/dpkg/status');
    expect(status?.layerDigest).toBe(layers[0].digest);
    expect(status?.content.equals(readFileSync(path.join(testEnv().fixturesDir, 'dpkg', 'bookworm-minbase.status')))).toBe(true);
    expect(filesystem.filesFor('os-release').get('/etc/os-release')).toMatchObject({ layerDigest: layers[0].digest });
  });

  it('lists the 88 Debian packages and the npm packages of /app, each with the layer it came from', async () => {
    const [result] = await catalogImage(openImage(image().layoutReference));
    const layers = result.layers.map((l) => l.digest);
    expect(result).toMatchObject({ imageDigest: image().digest, platform: { os: 'linux', architecture: 'amd64' }, distro: { id: 'debian', versionCodename: 'bookworm' } });
    expect(result.imageReference).toBe(`oci:${image().layout}@${image().digest}`);

    const debs = result.packages.filter((p) => p.type === 'deb');
    expect(debs).toHaveLength(88);
    expect(new Set(debs.flatMap((p) => p.locations.map((l) => l.layerDigest)))).toEqual(new Set([layers[0]]));

    const npm = result.packages.filter((p) => p.type === 'npm');
    const listed = new Set(npm.map((p) => `${p.name}@${p.version}`));
    for (const locked of lockedNpmPackages()) expect(listed).toContain(locked);
    expect(new Set(npm.flatMap((p) => p.locations.map((l) => l.layerDigest)))).toEqual(new Set([layers[1]]));

    expect(result.packages).toEqual(sortPackages(result.packages));
    expect(result.warnings).toEqual([]);
  });

  it('finds the same packages when the image is read from a registry', async () => {
    const [fromLayout] = await catalogImage(openImage(image().layoutReference));
    const [fromRegistry] = await catalogImage(openImage(image().references.plain));
    expect(fromRegistry.imageDigest).toBe(fromLayout.imageDigest);
    expect(fromRegistry.packages).toEqual(fromLayout.packages);
  });

  it('finds the same packages in a `docker save` archive, whose layers are plain tars', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'shipshape-generate-archive-'));
    try {
      const archive = path.join(dir, 'debian12.tar');
      execFileSync('skopeo', ['copy', '--quiet', `oci:${image().layout}:${image().tag}`, `docker-archive:${archive}:shipshape/debian12:1`], { stdio: 'ignore' });
      const [fromLayout] = await catalogImage(openImage(image().layoutReference));
      const [fromArchive] = await catalogImage(openImage(`docker-archive:${archive}`));
      const identity = (p: Package) => `${p.purl} ${p.licenses.join(',')}`;
      expect(fromArchive.packages.map(identity)).toEqual(fromLayout.packages.map(identity));
      // The archive's layers are the uncompressed tars: other digests, each package still attributed to one.
      const archiveLayers = fromArchive.layers.map((l) => l.digest);
      expect(archiveLayers).not.toEqual(fromLayout.layers.map((l) => l.digest));
      for (const p of fromArchive.packages) expect(archiveLayers).toContain(p.locations[0].layerDigest);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the multiarch fixture index', () => {
  const image = () => fixtureImage('multiarch');
  const digestOf = (architecture: string) => image().platforms.find((p) => p.architecture === architecture)!.digest;
  const catalogers = () => [osReleaseCataloger, helloCataloger];

  it("catalogs this machine's platform by default", async () => {
    const host = hostPlatform().architecture;
    if (host !== 'amd64' && host !== 'arm64') {
      await expect(catalogImage(openImage(image().layoutReference), { catalogers: catalogers() })).rejects.toThrow(`the image has no linux/${host} variant`);
      return;
    }
    const results = await catalogImage(openImage(image().layoutReference), { catalogers: catalogers() });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ imageDigest: digestOf(host), platform: { architecture: host }, distro: { id: 'debian' } });
    expect(results[0].packages.map((p) => p.name)).toEqual([`hello-${host}`]);
  });

  it('catalogs one named platform, or every platform with `all`', async () => {
    const [arm] = await catalogImage(openImage(image().layoutReference), { catalogers: catalogers(), platform: { os: 'linux', architecture: 'arm64' } });
    expect(arm).toMatchObject({ imageDigest: digestOf('arm64'), platform: { os: 'linux', architecture: 'arm64' } });
    expect(arm.packages.map((p) => p.name)).toEqual(['hello-arm64']);

    const all = await catalogImage(openImage(image().layoutReference), { catalogers: catalogers(), platform: 'all' });
    expect(all.map((r) => [r.platform?.architecture, r.imageDigest, r.packages.map((p) => p.name)])).toEqual([
      ['amd64', digestOf('amd64'), ['hello-amd64']],
      ['arm64', digestOf('arm64'), ['hello-arm64']],
    ]);
    for (const result of all) expect(result.distro?.id).toBe('debian');
  });

  it('names the platforms there are when the wanted one is missing', async () => {
    await expect(catalogImage(openImage(image().layoutReference), { catalogers: catalogers(), platform: { os: 'linux', architecture: 's390x' } })).rejects.toMatchObject({
      message: 'the image has no linux/s390x variant',
      hint: expect.stringContaining('linux/amd64, linux/arm64'),
    });
  });
});

describe('images made here', () => {
  let root: string;
  let store: OciLayoutStore;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'shipshape-generate-'));
    store = new OciLayoutStore(path.join(root, 'layout'));
  });

  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('sorts packages by type, name and version, and turns a failing cataloger into a warning', async () => {
    await pushImage(store, [await gz([{ name: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19.1\n' }])], { tag: 'sorting' });
    const pkg = (type: Package['type'], name: string, version: string): Package => ({ type, name, version, purl: `pkg:${type}/${name}@${version}`, licenses: [], locations: [] });
    const unsorted: Cataloger = {
      name: 'unsorted',
      wants: () => false,
      catalog: (_files, context) => [pkg('npm', 'zeta', '1.0.0'), pkg('deb', 'bash', '5.2'), pkg('npm', 'alpha', '2.0.0'), pkg('npm', 'alpha', '1.0.0'), pkg('apk', context.distro!.id, '1')],
    };
    const broken: Cataloger = {
      name: 'broken',
      wants: () => false,
      catalog: () => {
        throw new Error('database is malformed');
      },
    };
    const [result] = await catalogImage(openLayout(store, 'sorting'), { catalogers: [osReleaseCataloger, broken, unsorted] });
    expect(result.packages.map((p) => `${p.type}:${p.name}@${p.version}`)).toEqual(['apk:alpine@1', 'deb:bash@5.2', 'npm:alpha@1.0.0', 'npm:alpha@2.0.0', 'npm:zeta@1.0.0']);
    expect(result.warnings).toEqual(['the broken cataloger failed: database is malformed']);
  });

  it('refuses an artifact that is not a container image', async () => {
    const empty = await store.putBlob(Buffer.from('{}'), OCI_EMPTY);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/example', config: empty, layers: [] }));
    await store.putManifest(manifest, OCI_MANIFEST, 'artifact');
    await expect(catalogImage(openLayout(store, 'artifact'), { catalogers: defaultCatalogers() })).rejects.toThrow(
      'this is not a container image (its config is application/vnd.oci.empty.v1+json)',
    );
  });

  it('refuses a single image of another platform than the one asked for', async () => {
    await pushImage(store, [await gz([{ name: 'a', content: 'a' }])], { tag: 'arm', architecture: 'arm64' });
    await expect(catalogImage(openLayout(store, 'arm'), { platform: { os: 'linux', architecture: 'amd64' } })).rejects.toThrow('the image is linux/arm64, not linux/amd64');
  });
});
