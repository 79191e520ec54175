/**
 * Bearer-token authentication — how Docker Hub, GHCR, Harbor and GitLab let clients in — against a
 * real registry: Debian's docker-registry (distribution 2.8) with `auth: token:`, and a token server
 * that checks a login, a refresh token or nobody against a small policy and issues the JWTs the
 * registry verifies (test-support/token-registry.ts). The token server records every request, so
 * the tests can say which scopes were asked for, how often, and with what credentials; it can also
 * misbehave once (cut answer, 503, a token the registry refuses).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../../cli/main';
import { createLogger, MemorySink } from '../../exec/logger';
import { makeTestImage, pushTestImage, type TestImage } from '../../test-support/images';
import { startTokenRegistry, type DockerAuthEntry, type TokenRegistry, type TokenRequestRecord } from '../../test-support/token-registry';
import { OCI_CONFIG } from '../media-types';
import { RegistryClient } from './client';
import { RegistryRepository } from './repository';
import { shipshapeFailure } from '../../test-support/failures';

const exec = promisify(execFile);
const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 50, attempts: 6, maxRetryAfterMs: 1000 };
/** No docker config anywhere: credentials only from what a test gives. */
const NO_DOCKER_CONFIG = { HOME: '/nonexistent', PATH: process.env.PATH };

let registry: TokenRegistry;
const clients: RegistryClient[] = [];

beforeAll(async () => {
  registry = await startTokenRegistry();
});
afterAll(async () => {
  await registry?.close();
});
afterEach(() => {
  clients.splice(0).forEach((c) => c.close());
  registry.expiresIn = 300;
});

interface ClientOptions {
  password?: string;
  dockerConfig?: DockerAuthEntry;
  sink?: MemorySink;
  anonymous?: boolean;
}

/** A fresh client (empty token cache): logged in with the test user unless told otherwise. */
function client(options: ClientOptions = {}): RegistryClient {
  const env = options.dockerConfig ? { ...NO_DOCKER_CONFIG, DOCKER_CONFIG: registry.dockerConfigDir(options.dockerConfig) } : NO_DOCKER_CONFIG;
  const login = options.anonymous || options.dockerConfig ? undefined : { username: registry.username, password: options.password ?? registry.password };
  const c = new RegistryClient({
    env,
    hosts: login ? { [registry.host]: login } : {},
    retry: FAST_RETRY,
    logger: options.sink ? createLogger({ verbose: true, sink: options.sink }) : undefined,
  });
  clients.push(c);
  return c;
}

const uniqueRepo = (namespace: 'test' | 'public' | 'other', name: string) => `${namespace}/${name}-${randomBytes(4).toString('hex')}`;
const repo = (c: RegistryClient, repository: string) => new RegistryRepository(c, registry.host, repository);

/** The token requests that asked for anything in `repository`, from index `since` on. */
function tokenRequestsFor(repository: string, since = 0): TokenRequestRecord[] {
  return registry.requests.slice(since).filter((r) => r.scopes.some((s) => s.startsWith(`repository:${repository}:`)));
}

/** Which secrets (named, never printed) occur in `text`: the password, the refresh token, any token issued. */
function leakedSecrets(text: string, extra: Record<string, string> = {}): string[] {
  const secrets: Record<string, string> = { password: registry.password, 'refresh token': registry.refreshToken, ...extra };
  registry.tokens().forEach((token, i) => (secrets[`token #${i + 1}`] = token));
  return Object.entries(secrets)
    .filter(([, value]) => text.includes(value))
    .map(([name]) => name);
}

/** Pushes a fresh image as the test user (own client), tagged v1. */
async function seed(repository: string): Promise<{ image: TestImage; digest: string }> {
  const image = makeTestImage({ layerSizes: [2048, 512] });
  const descriptor = await pushTestImage(repo(client(), repository), image, 'v1');
  return { image, digest: descriptor.digest };
}

/** Reads the whole image back and checks it byte for byte. */
async function expectImage(store: RegistryRepository, image: TestImage, digest: string): Promise<void> {
  expect((await store.resolve('v1')).digest).toBe(digest);
  const fetched = await store.getManifest('v1');
  expect(fetched.bytes.equals(image.manifest)).toBe(true);
  const manifest = JSON.parse(image.manifest.toString('utf8')) as { config: { digest: string; size: number }; layers: { digest: string; size: number }[] };
  expect((await store.readBlob(manifest.config)).equals(image.config)).toBe(true);
  for (const [i, layer] of manifest.layers.entries()) expect((await store.readBlob(layer)).equals(image.layers[i]!)).toBe(true);
}

describe('pull and push with a login (Basic credentials to the token server)', () => {
  it('pushes an image and reads it back byte for byte, with tokens the token server issued to the user', async () => {
    const repository = uniqueRepo('test', 'roundtrip');
    const { image, digest } = await seed(repository);
    await expectImage(repo(client(), repository), image, digest);

    const requests = tokenRequestsFor(repository);
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) expect(request).toMatchObject({ method: 'GET', grant: 'basic', account: registry.username, status: 200 });
  });

  it('pushing a whole image costs two token requests: pull (to check for blobs) and pull,push (to upload), each once', async () => {
    const repository = uniqueRepo('test', 'push-scopes');
    const since = registry.requests.length;
    await pushTestImage(repo(client(), repository), makeTestImage({ layerSizes: [100, 200, 300] }), 'v1');

    const requests = tokenRequestsFor(repository, since);
    expect(requests.map((r) => r.scopes)).toEqual([[`repository:${repository}:pull`], [`repository:${repository}:pull,push`]]);
    expect(requests[1]!.granted).toEqual([{ type: 'repository', name: repository, actions: ['pull', 'push'] }]);
  });

  it('reuses the cached token: concurrent and later reads of one repository ask the token server once', async () => {
    const repository = uniqueRepo('test', 'cache');
    const { image, digest } = await seed(repository);
    const since = registry.requests.length;
    const c = client();
    const store = repo(c, repository);

    const manifests = await Promise.all(Array.from({ length: 8 }, () => store.getManifest(digest)));
    expect(manifests.every((m) => m.bytes.equals(image.manifest))).toBe(true);
    await expectImage(store, image, digest);
    expect(await store.listTags()).toEqual(['v1']);
    expect(tokenRequestsFor(repository, since)).toHaveLength(1);

    // Another repository is another scope: one more request.
    const other = uniqueRepo('test', 'cache-other');
    await seed(other);
    const beforeOther = registry.requests.length;
    await repo(c, other).resolve('v1');
    expect(registry.requests.length - beforeOther).toBe(1);
  });

  it('a cross-repository blob mount asks for both repositories in one token', async () => {
    const source = uniqueRepo('test', 'mount-from');
    const { image } = await seed(source);
    const target = uniqueRepo('test', 'mount-to');
    const since = registry.requests.length;
    const store = new RegistryRepository(client(), registry.host, target, { mountFrom: [source] });
    await store.putBlob(image.config, OCI_CONFIG);

    const mount = registry.requests.slice(since).find((r) => r.scopes.length === 2);
    expect(mount?.scopes.sort()).toEqual([`repository:${source}:pull`, `repository:${target}:pull,push`]);
    expect(mount?.granted).toHaveLength(2);
    // Mounted, not uploaded: no upload ever asked for a pull,push token on the target alone.
    expect(tokenRequestsFor(target, since).filter((r) => r.scopes.length === 1).map((r) => r.scopes[0])).toEqual([`repository:${target}:pull`]);
    expect(await store.hasBlob(JSON.parse(image.manifest.toString('utf8')).config.digest)).toBe(true);
  });

  it('skopeo, an independent client, logs in through the same token server and reads what we pushed', async () => {
    const repository = uniqueRepo('test', 'skopeo');
    const { digest } = await seed(repository);
    const authfile = path.join(registry.dockerConfigDir({ auth: Buffer.from(`${registry.username}:${registry.password}`).toString('base64') }), 'config.json');
    const { stdout } = await exec('skopeo', ['inspect', '--tls-verify=false', '--authfile', authfile, '--format', '{{.Digest}}', `docker://${registry.host}/${repository}:v1`]);
    expect(stdout.trim()).toBe(digest);
  });
});

describe('anonymous access', () => {
  it('pulls a public repository with a pull-only token, sending no credentials', async () => {
    const repository = uniqueRepo('public', 'anon');
    const { image, digest } = await seed(repository);
    const since = registry.requests.length;
    await expectImage(repo(client({ anonymous: true }), repository), image, digest);

    const requests = tokenRequestsFor(repository, since);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ grant: 'anonymous', scopes: [`repository:${repository}:pull`], granted: [{ name: repository, actions: ['pull'] }] });
  });

  it('cannot push, nor read a private repository: UNAUTHORIZED, with a hint to log in', async () => {
    const publicRepo = uniqueRepo('public', 'anon-push');
    await seed(publicRepo);
    const anonymous = client({ anonymous: true });
    const push = await shipshapeFailure(pushTestImage(repo(anonymous, publicRepo), makeTestImage(), 'v2'));
    const read = await shipshapeFailure(repo(anonymous, uniqueRepo('test', 'private')).getManifest('v1'));
    for (const error of [push, read]) {
      expect(error).toMatchObject({ kind: 'config', code: 'UNAUTHORIZED' });
      expect(error.message).toMatch(/authentication required \(401\): no credentials found/);
      expect(error.hint).toContain(`docker login ${registry.host}`);
    }
  });
});

describe('refused credentials', () => {
  it('a wrong password: one token request, one clear UNAUTHORIZED error, no secret in the error or the debug log', async () => {
    const repository = uniqueRepo('test', 'wrong-password');
    await seed(repository);
    const wrongPassword = `wrong-${randomBytes(12).toString('hex')}`;
    const sink = new MemorySink();
    const since = registry.requests.length;
    const error = await shipshapeFailure(repo(client({ password: wrongPassword, sink }), repository).resolve('v1'));

    expect(error).toMatchObject({ kind: 'config', code: 'UNAUTHORIZED', where: `${registry.host}/${repository}`, exitCode: 2 });
    expect(error.message).toMatch(/^authentication failed \(401\): the registry rejected the credentials from shipshape configuration \(token server 127\.0\.0\.1:\d+ answered 401\)$/);
    expect(error.hint).toContain(`docker login ${registry.host}`);
    // A wrong password is not retried: repeated failures lock accounts on many registries.
    expect(registry.requests.slice(since)).toMatchObject([{ status: 401 }]);
    const seen = `${error.describe()}\n${error.message}\n${sink.text()}`;
    expect(leakedSecrets(seen, { 'wrong password': wrongPassword })).toEqual([]);
    expect(error.describe()).not.toMatch(/\n\s+at /);
  });

  it('a token server named over plain HTTP on another host never receives the login: one config error, nothing sent', async () => {
    const plain = await startTokenRegistry({ realm: 'http://tokens.example.invalid/token' });
    try {
      const c = new RegistryClient({ env: NO_DOCKER_CONFIG, hosts: { [plain.host]: { username: plain.username, password: plain.password } }, retry: FAST_RETRY });
      clients.push(c);
      const error = await shipshapeFailure(new RegistryRepository(c, plain.host, 'test/any').resolve('v1'));
      expect(error).toMatchObject({ kind: 'config', where: `${plain.host}/test/any` });
      expect(error.message).toMatch(/names a token server over plain HTTP \(http:\/\/tokens\.example\.invalid\); the login from shipshape configuration is not sent there unencrypted/);
      expect(error.hint).toContain('registries."tokens.example.invalid".insecure: true');
      expect(plain.requests).toEqual([]);
    } finally {
      await plain.close();
    }
  });

  it('a login without permission: DENIED (not "wrong credentials"), naming what was not granted', async () => {
    const repository = uniqueRepo('other', 'no-permission');
    const sink = new MemorySink();
    const c = client({ sink });
    const push = await shipshapeFailure(pushTestImage(repo(c, repository), makeTestImage(), 'v1'));
    const read = await shipshapeFailure(repo(c, repository).getManifest('v1'));
    for (const error of [push, read]) {
      expect(error).toMatchObject({ kind: 'config', code: 'DENIED', where: `${registry.host}/${repository}` });
      expect(error.message).toContain(`access denied (401 insufficient_scope): the registry did not grant repository:${repository}:pull to the credentials from shipshape configuration`);
      expect(error.hint).toMatch(/lack permission/);
      expect(leakedSecrets(`${error.describe()}\n${sink.text()}`)).toEqual([]);
    }
    // The token server accepted the login each time; it granted nothing.
    for (const request of tokenRequestsFor(repository)) expect(request).toMatchObject({ grant: 'basic', status: 200, granted: [] });
  });

  it('shipshape image digest with a docker config.json login prints the digest; with a wrong one, exit 2 and one error with a hint, no stack, no password', async () => {
    const repository = uniqueRepo('test', 'cli');
    const { digest } = await seed(repository);
    const cwd = mkdtempSync(path.join(tmpdir(), 'shipshape-bearer-cli-'));
    try {
      const run = async (password: string) => {
        const dockerConfig = registry.dockerConfigDir({ auth: Buffer.from(`${registry.username}:${password}`).toString('base64') });
        let stdout = '';
        let stderr = '';
        const code = await runCli(['--verbose', 'image', 'digest', '--image', `${registry.host}/${repository}:v1`], {
          stdout: (t) => (stdout += t),
          stderr: (t) => (stderr += t),
          env: { ...NO_DOCKER_CONFIG, DOCKER_CONFIG: dockerConfig },
          cwd,
        });
        return { code, stdout, stderr };
      };

      const good = await run(registry.password);
      expect(good).toMatchObject({ code: 0, stdout: `${digest}\n` });

      const wrongPassword = `wrong-${randomBytes(12).toString('hex')}`;
      const bad = await run(wrongPassword);
      expect(bad.code).toBe(2);
      expect(bad.stdout).toBe('');
      const errorLines = bad.stderr.split('\n').filter((l) => l.startsWith('error:'));
      expect(errorLines).toHaveLength(1);
      expect(errorLines[0]).toMatch(/authentication failed \(401\): the registry rejected the credentials from .*config\.json auths/);
      expect(bad.stderr).toContain(`hint: run \`docker login ${registry.host}\``);
      expect(bad.stderr).not.toMatch(/\n\s+at /);
      expect(leakedSecrets(`${good.stderr}\n${bad.stderr}`, { 'wrong password': wrongPassword })).toEqual([]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('a token server that misbehaves', () => {
  it.each([
    ['an answer cut mid-body', 'cut-body', /body cut short/],
    ['a 503', '503', /: 503, retrying/],
  ] as const)('%s is asked for again, and the read succeeds', async (_name, fault, logged) => {
    const repository = uniqueRepo('test', `fault-${fault}`);
    const { image, digest } = await seed(repository);
    const sink = new MemorySink();
    const since = registry.requests.length;
    registry.misbehaveOnce(fault);
    await expectImage(repo(client({ sink }), repository), image, digest);

    const requests = tokenRequestsFor(repository, since);
    expect(requests.map((r) => [r.fault, r.status])).toEqual([
      [fault, fault === '503' ? 503 : 200],
      [undefined, 200],
    ]);
    expect(requests[1]!.scopes).toEqual(requests[0]!.scopes);
    expect(sink.text()).toMatch(logged);
    expect(leakedSecrets(sink.text())).toEqual([]);
  });

  it('a cached token the registry refuses is replaced once, and the request succeeds', async () => {
    const repository = uniqueRepo('test', 'refused-token');
    const { image, digest } = await seed(repository);
    const since = registry.requests.length;
    registry.misbehaveOnce('expired-token');
    await expectImage(repo(client(), repository), image, digest);

    expect(tokenRequestsFor(repository, since).map((r) => r.fault)).toEqual(['expired-token', undefined]);
  });

  it('a short expires_in gets a new token once it has run out; a long one is reused', async () => {
    const repository = uniqueRepo('test', 'expiry');
    await seed(repository);
    const store = repo(client(), repository);
    const since = registry.requests.length;
    registry.expiresIn = 1;
    await store.resolve('v1');
    expect(tokenRequestsFor(repository, since)).toHaveLength(1);
    registry.expiresIn = 300;
    // Past the 1 s the token server granted (the registry would still take it, within its leeway):
    // the client asks for a new one rather than send one it was told has expired.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await store.resolve('v1');
    await store.resolve('v1');
    await store.getManifest('v1');
    expect(tokenRequestsFor(repository, since)).toHaveLength(2);
  });
});

describe('identity tokens (docker config.json `identitytoken`, the OAuth2 refresh-token flow)', () => {
  it('pushes and pulls with tokens from the refresh-token POST, never sending or printing the refresh token elsewhere', async () => {
    const repository = uniqueRepo('test', 'identity');
    const sink = new MemorySink();
    const c = client({ dockerConfig: { identitytoken: registry.refreshToken }, sink });
    const image = makeTestImage();
    const { digest } = await pushTestImage(repo(c, repository), image, 'v1');
    await expectImage(repo(client({ dockerConfig: { identitytoken: registry.refreshToken } }), repository), image, digest);

    const requests = tokenRequestsFor(repository);
    expect(requests.map((r) => r.scopes)).toContainEqual([`repository:${repository}:pull,push`]);
    for (const request of requests) {
      expect(request).toMatchObject({ method: 'POST', grantType: 'refresh_token', clientId: 'shipshape', grant: 'refresh_token', account: registry.username, status: 200 });
    }
    expect(leakedSecrets(sink.text())).toEqual([]);
  });

  it('a refresh token the token server refuses (invalid_grant): UNAUTHORIZED naming the config file, with a hint to log in again', async () => {
    const repository = uniqueRepo('test', 'identity-refused');
    await seed(repository);
    const revoked = `refresh-revoked-${randomBytes(16).toString('hex')}`;
    const sink = new MemorySink();
    const error = await shipshapeFailure(repo(client({ dockerConfig: { identitytoken: revoked }, sink }), repository).getManifest('v1'));

    expect(error).toMatchObject({ kind: 'config', code: 'UNAUTHORIZED', where: `${registry.host}/${repository}` });
    expect(error.message).toMatch(/^authentication failed \(401\): the registry rejected the credentials from .*docker-config-\d+\/config\.json auths \(token server 127\.0\.0\.1:\d+ answered 400: invalid_grant\)$/);
    expect(error.hint).toContain(`docker login ${registry.host}`);
    expect(leakedSecrets(`${error.describe()}\n${sink.text()}`, { 'revoked refresh token': revoked })).toEqual([]);
  });
});
