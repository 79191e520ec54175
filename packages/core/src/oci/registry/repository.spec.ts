/**
 * The registry client against two real registries (Debian's distribution 2.8 from the test environment):
 * plain HTTP anonymous, and TLS with a self-signed CA and htpasswd basic auth.
 */
import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ShipshapeError } from '../../errors';
import { secrets } from '../../exec/secrets';
import { fixtureImage, testEnv } from '../../test-support/test-env';
import { makeTestImage, pushReferrer, pushTestImage } from '../../test-support/images';
import { sha256Digest } from '../digest';
import { isIndex, type ImageIndex } from '../manifest';
import { OCI_INDEX, OCI_MANIFEST } from '../media-types';
import { RegistryClient, type RegistryClientOptions } from './client';
import { RegistryRepository } from './repository';

const env = testEnv();
const debian = fixtureImage('debian12');
const multiarch = fixtureImage('multiarch');
const clients: RegistryClient[] = [];

function client(options: RegistryClientOptions = {}): RegistryClient {
  const c = new RegistryClient({ env: { HOME: '/nonexistent' }, retry: { baseDelayMs: 5, maxDelayMs: 20 }, ...options });
  clients.push(c);
  return c;
}
const tlsHosts = (extra: Partial<{ username: string; password: string }> = {}) => ({
  [env.tlsRegistry]: { caFile: env.tlsCaFile, ...extra },
});
const plain = (repository: string) => new RegistryRepository(client(), env.registry, repository);
const tls = (repository: string, options: RegistryClientOptions = {}) =>
  new RegistryRepository(client({ hosts: tlsHosts({ username: env.tlsUsername, password: env.tlsPassword }), ...options }), env.tlsRegistry, repository);
const uniqueRepo = (name: string) => `test/${name}-${randomBytes(4).toString('hex')}`;

afterAll(() => clients.forEach((c) => c.close()));

describe('reading fixture images', () => {
  it.each(['plain', 'tls'] as const)('resolves and pulls debian12 from the %s registry with every blob verified', async (which) => {
    const repo = which === 'plain' ? plain(debian.repository) : tls(debian.repository);
    const descriptor = await repo.resolve(debian.tag);
    expect(descriptor.digest).toBe(debian.digest);
    expect(descriptor.mediaType).toBe(OCI_MANIFEST);

    const { manifest, bytes } = await repo.getManifest(descriptor.digest);
    expect(sha256Digest(bytes)).toBe(debian.digest);
    if (isIndex(manifest)) throw new Error('debian12 is a single image');
    expect(manifest.layers.length).toBeGreaterThanOrEqual(2);
    for (const layer of [manifest.config, ...manifest.layers]) {
      let received = 0;
      for await (const chunk of await repo.openBlob(layer)) received += (chunk as Buffer).length;
      expect(received).toBe(layer.size);
    }
  });

  it('reads the two-platform index', async () => {
    const { manifest, descriptor } = await plain(multiarch.repository).getManifest(multiarch.tag);
    expect(descriptor.digest).toBe(multiarch.digest);
    expect(isIndex(manifest)).toBe(true);
    const platforms = (manifest as ImageIndex).manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`);
    expect(platforms.sort()).toEqual(['linux/amd64', 'linux/arm64']);
  });

  it('reports a missing tag as not found, naming the repository', async () => {
    const error = await plain(debian.repository).resolve('no-such-tag').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShipshapeError);
    expect((error as ShipshapeError).code).toBe('NOT_FOUND');
    expect((error as ShipshapeError).describe()).toContain(`${env.registry}/${debian.repository}`);
  });
});

describe('authentication and TLS', () => {
  it('fails with a clear 401 message and no credentials, and succeeds with them', async () => {
    const anonymous = new RegistryRepository(client({ hosts: tlsHosts() }), env.tlsRegistry, debian.repository);
    const error = (await anonymous.resolve(debian.tag).catch((e: unknown) => e)) as ShipshapeError;
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toMatch(/authentication required \(401\): no credentials found/);
    expect(error.hint).toContain(`docker login ${env.tlsRegistry}`);

    expect((await tls(debian.repository).resolve(debian.tag)).digest).toBe(debian.digest);
  });

  it('says the credentials were rejected when the password is wrong, without printing it', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const repo = new RegistryRepository(client({ hosts: tlsHosts({ username: env.tlsUsername, password: wrong }) }), env.tlsRegistry, debian.repository);
    const error = (await repo.resolve(debian.tag).catch((e: unknown) => e)) as ShipshapeError;
    expect(error.message).toMatch(/rejected the credentials/);
    expect(`${error.describe()} ${error.stack}`).not.toContain(wrong);
    expect(`${error.describe()}`).not.toContain(env.tlsPassword);
  });

  it('uses credentials from a Docker config file (DOCKER_CONFIG auths)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'docker-config-'));
    const auth = Buffer.from(`${env.tlsUsername}:${env.tlsPassword}`).toString('base64');
    await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [`https://${env.tlsRegistry}`]: { auth } } }));
    const repo = new RegistryRepository(client({ hosts: tlsHosts(), env: { DOCKER_CONFIG: dir } }), env.tlsRegistry, debian.repository);
    expect((await repo.resolve(debian.tag)).digest).toBe(debian.digest);
  });

  it('uses credentials from a docker-credential-* helper (credsStore and credHelpers)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cred-helper-'));
    const log = join(dir, 'asked');
    const helper = join(dir, 'docker-credential-shipshape-test');
    // A real helper program speaking the docker-credential protocol: server URL on stdin, JSON on stdout.
    await writeFile(
      helper,
      `#!/bin/sh\n[ "$1" = get ] || exit 1\nread server\necho "$server" >> ${log}\n` +
        `if [ "$server" = "${env.tlsRegistry}" ]; then printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$server" "${env.tlsUsername}" "${env.tlsPassword}"; ` +
        `else echo "credentials not found in native keychain"; exit 1; fi\n`,
    );
    await chmod(helper, 0o755);
    for (const config of [{ credsStore: 'shipshape-test' }, { credHelpers: { [env.tlsRegistry]: 'shipshape-test' } }]) {
      await writeFile(join(dir, 'config.json'), JSON.stringify(config));
      const repo = new RegistryRepository(
        client({ hosts: tlsHosts(), env: { DOCKER_CONFIG: dir, PATH: `${dir}:${process.env.PATH}` } }),
        env.tlsRegistry,
        debian.repository,
      );
      expect((await repo.resolve(debian.tag)).digest).toBe(debian.digest);
    }
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual([env.tlsRegistry, env.tlsRegistry]);
  });

  it('refuses the TLS registry when its CA is not trusted, with a hint', async () => {
    const untrusted = new RegistryRepository(client({}), env.tlsRegistry, debian.repository);
    const error = (await untrusted.resolve(debian.tag).catch((e: unknown) => e)) as ShipshapeError;
    expect(error).toBeInstanceOf(ShipshapeError);
    expect(error.message).toMatch(/certificate .* not trusted/);
    expect(error.hint).toMatch(/caFile/);
  });

  it('registers the password so the logger masks it', () => {
    tls(debian.repository);
    expect(secrets.redact(`pw=${env.tlsPassword}`)).toBe('pw=***');
  });
});

describe('writing', () => {
  it.each(['plain', 'tls'] as const)('pushes a new image and an index to the %s registry', async (which) => {
    const repository = uniqueRepo('push');
    const repo = which === 'plain' ? plain(repository) : tls(repository);
    const amd64 = makeTestImage({ layerSizes: [2048, 4096] });
    const arm64 = makeTestImage({ architecture: 'arm64' });
    const a = await pushTestImage(repo, amd64, 'amd64');
    const b = await pushTestImage(repo, arm64);
    expect(a.digest).toBe(amd64.digest);

    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { ...a, platform: { os: 'linux', architecture: 'amd64' } },
          { ...b, platform: { os: 'linux', architecture: 'arm64' } },
        ],
      }),
    );
    const pushed = await repo.putManifest(index, OCI_INDEX, 'multi');
    expect((await repo.resolve('multi')).digest).toBe(pushed.digest);
    expect((await repo.getManifest(pushed.digest)).bytes.equals(index)).toBe(true);
    expect((await repo.readBlob({ digest: sha256Digest(amd64.layers[1]!), size: amd64.layers[1]!.length })).equals(amd64.layers[1]!)).toBe(true);
    expect((await repo.listTags()).sort()).toEqual(['amd64', 'multi']);
  });

  it('uploads large blobs in chunks', async () => {
    const repo = new RegistryRepository(client(), env.registry, uniqueRepo('chunked'), { chunkSize: 64 * 1024 });
    const blob = randomBytes(300 * 1024 + 17);
    const descriptor = await repo.putBlob(blob, 'application/octet-stream');
    expect((await repo.readBlob(descriptor)).equals(blob)).toBe(true);
  });

  it('mounts a blob from another repository of the same registry', async () => {
    const source = plain(uniqueRepo('mount-src'));
    const blob = randomBytes(4096);
    const descriptor = await source.putBlob(blob, 'application/octet-stream');
    const target = new RegistryRepository(client(), env.registry, uniqueRepo('mount-dst'), { mountFrom: [source.repository] });
    await target.putBlob(blob, 'application/octet-stream');
    expect((await target.readBlob(descriptor)).equals(blob)).toBe(true);
  });

  it('refuses to push a manifest before its blobs are in the registry', async () => {
    const repo = plain(uniqueRepo('missing'));
    const image = makeTestImage();
    await repo.putBlob(image.config, 'application/vnd.oci.image.config.v1+json');
    const error = (await repo.putManifest(image.manifest, OCI_MANIFEST, 'x').catch((e: unknown) => e)) as ShipshapeError;
    expect(error.message).toMatch(/content is missing from the registry: blob sha256:/);
    expect(await repo.listTags()).toEqual([]);
  });

  it('lists referrers through the sha256-<hex> fallback tag, filtered by artifactType', async () => {
    const repo = plain(uniqueRepo('referrers'));
    const subject = await pushTestImage(repo, makeTestImage(), 'v1');
    const sig = await pushReferrer(repo, subject, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    const sbom = await pushReferrer(repo, subject, 'application/vnd.cyclonedx+json');
    expect((await repo.referrers(subject.digest)).map((d) => d.digest).sort()).toEqual([sig.digest, sbom.digest].sort());
    expect((await repo.referrers(subject.digest, { artifactType: 'application/vnd.cyclonedx+json' })).map((d) => d.digest)).toEqual([sbom.digest]);
    expect(await repo.listTags()).toContain(subject.digest.replace(':', '-'));
    expect(await repo.referrers(sha256Digest('nothing refers to this'))).toEqual([]);
  });
});

describe('integrity', () => {
  it('detects a blob the registry serves altered', async () => {
    const repo = plain(uniqueRepo('tamper'));
    const blob = randomBytes(2048);
    const descriptor = await repo.putBlob(blob, 'application/octet-stream');
    const hex = descriptor.digest.slice('sha256:'.length);
    const file = join(env.envDir, 'registries', 'plain', 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    expect((await stat(file)).size).toBe(blob.length);
    const altered = Buffer.from(blob);
    altered[100] = altered[100]! ^ 0xff;
    await writeFile(file, altered);

    const error = (await repo.readBlob(descriptor).catch((e: unknown) => e)) as ShipshapeError;
    expect(error).toBeInstanceOf(ShipshapeError);
    expect(error.message).toMatch(/digest mismatch/);
  });
});
