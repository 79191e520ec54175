/**
 * Integration test of the test environment itself (tools/test-env/up.sh): both real registries
 * answer as the rest of the suite expects, and the fixture images are in them byte-for-byte as
 * built. Plain node http/https on purpose — it checks the environment, not our registry client.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { fixtureImage, testEnv, type FixtureImage, type TestEnv } from '../test-support/test-env';

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');
const MAX_BODY = 4 * 1024 * 1024;

interface Credentials {
  username: string;
  password: string;
}
interface GetOptions {
  /** Trust this CA (PEM) for HTTPS; omitted = Node's default trust store only. */
  ca?: string;
  credentials?: Credentials;
  accept?: string;
}
interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

class RequestError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** GET with credentials only ever in the Authorization header (never in the URL or a message). */
function get(url: string, options: GetOptions = {}): Promise<Reply> {
  const headers: http.OutgoingHttpHeaders = {};
  if (options.accept) headers.accept = options.accept;
  if (options.credentials) {
    const { username, password } = options.credentials;
    headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) res.destroy(new Error(`response larger than ${MAX_BODY} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', (error) => reject(new RequestError(`GET ${url}: ${error.message}`, undefined)));
    };
    const common = { headers, agent: false as const, timeout: 15_000 };
    const req =
      target.protocol === 'https:'
        ? https.request(target, { ...common, ca: options.ca }, onResponse)
        : http.request(target, common, onResponse);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(new RequestError(`GET ${url} failed: ${error.code ?? 'error'}: ${error.message}`, error.code)),
    );
    req.end();
  });
}

/** GET that must succeed; a failure says what the registry answered. */
async function getOk(url: string, options: GetOptions = {}): Promise<Reply> {
  const reply = await get(url, options);
  if (reply.status !== 200) {
    throw new Error(`GET ${url} answered ${reply.status}: ${reply.body.toString('utf8').slice(0, 500)}`);
  }
  return reply;
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the request to fail');
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

interface Target {
  name: 'plain' | 'tls';
  base: string;
  options: GetOptions;
}

describe('test registries (tools/test-env)', () => {
  let env: TestEnv;
  let targets: Target[];
  beforeAll(() => {
    env = testEnv();
    targets = [
      { name: 'plain', base: `http://${env.registry}`, options: {} },
      {
        name: 'tls',
        base: `https://${env.tlsRegistry}`,
        options: { ca: env.tlsCaPem, credentials: { username: env.tlsUsername, password: env.tlsPassword } },
      },
    ];
  });
  const target = (name: Target['name']) => targets.find((t) => t.name === name) as Target;

  describe('plain HTTP registry', () => {
    it('answers the API version check anonymously', async () => {
      const reply = await get(`http://${env.registry}/v2/`);
      expect(reply.status).toBe(200);
      expect(reply.headers['docker-distribution-api-version']).toBe('registry/2.0');
    });
  });

  describe('TLS registry with basic auth', () => {
    it('challenges for Basic credentials without them (401)', async () => {
      const reply = await get(`https://${env.tlsRegistry}/v2/`, { ca: env.tlsCaPem });
      expect(reply.status).toBe(401);
      expect(reply.headers['www-authenticate']).toMatch(/^Basic realm="[^"]+"/);
    });

    it('lets the right credentials in (200)', async () => {
      const reply = await get(`https://${env.tlsRegistry}/v2/`, target('tls').options);
      expect(reply.status).toBe(200);
    });

    it('refuses a wrong password (401)', async () => {
      const reply = await get(`https://${env.tlsRegistry}/v2/`, {
        ca: env.tlsCaPem,
        credentials: { username: env.tlsUsername, password: `${env.tlsPassword}-wrong` },
      });
      expect(reply.status).toBe(401);
    });

    it('serves a certificate valid for localhost as well as 127.0.0.1', async () => {
      const port = env.tlsRegistry.split(':')[1];
      const reply = await get(`https://localhost:${port}/v2/`, target('tls').options);
      expect(reply.status).toBe(200);
    });

    it('is rejected with a certificate error when its CA is not trusted', async () => {
      const error = await caught(get(`https://${env.tlsRegistry}/v2/`, { credentials: target('tls').options.credentials }));
      expect(error).toBeInstanceOf(RequestError);
      expect((error as RequestError).code).toMatch(
        /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/,
      );
    });
  });

  describe('the password stays secret', () => {
    const forms = () => [env.tlsPassword, Buffer.from(`${env.tlsUsername}:${env.tlsPassword}`).toString('base64')];

    it('never appears in a thrown error message', async () => {
      const { credentials } = target('tls').options;
      const errors = [
        // TLS failure while credentials were about to be sent.
        await caught(get(`https://${env.tlsRegistry}/v2/`, { credentials })),
        // The registry's answer to an authenticated request for something missing.
        await caught(getOk(`https://${env.tlsRegistry}/v2/shipshape/no-such-image/manifests/1`, target('tls').options)),
        // The registry's answer to a wrong password.
        await caught(
          getOk(`https://${env.tlsRegistry}/v2/`, {
            ca: env.tlsCaPem,
            credentials: { username: env.tlsUsername, password: `${env.tlsPassword}-wrong` },
          }),
        ),
      ];
      expect(errors.map((e) => e.message)).toEqual([
        expect.stringMatching(/failed: /),
        expect.stringMatching(/answered 404: .*MANIFEST_UNKNOWN/),
        expect.stringMatching(/answered 401: .*UNAUTHORIZED/),
      ]);
      for (const error of errors) for (const form of forms()) expect(error.message).not.toContain(form);
    });

    it('never reaches the registry log', async () => {
      await getOk(`https://${env.tlsRegistry}/v2/shipshape/debian12/tags/list`, target('tls').options);
      const log = readFileSync(path.join(env.envDir, 'registries', 'tls', 'registry.log'), 'utf8');
      expect(log).toContain('/v2/shipshape/debian12/tags/list'); // the request was logged...
      for (const form of forms()) expect(log).not.toContain(form); // ...without its credentials
    });
  });

  describe.each(['plain', 'tls'] as const)('fixture images in the %s registry', (name) => {
    const manifestUrl = (image: FixtureImage, ref: string) => `${target(name).base}/v2/${image.repository}/manifests/${ref}`;

    it('serves debian12:1 with the recorded digest, identical to the OCI layout', async () => {
      const image = fixtureImage('debian12');
      const reply = await getOk(manifestUrl(image, image.tag), { ...target(name).options, accept: MANIFEST_ACCEPT });
      expect(reply.headers['content-type']).toBe(image.mediaType);
      expect(sha256(reply.body)).toBe(image.digest);
      expect(reply.headers['docker-content-digest']).toBe(image.digest);
      // The registry holds exactly the bytes of the layout's manifest (digests preserved on push).
      const layoutBlob = readFileSync(path.join(image.layout, 'blobs', 'sha256', image.digest.slice('sha256:'.length)));
      expect(reply.body.equals(layoutBlob)).toBe(true);
      const manifest = JSON.parse(reply.body.toString('utf8')) as { layers: unknown[] };
      expect(manifest.layers.length).toBeGreaterThanOrEqual(2);
    });

    it('serves the multiarch index listing linux/amd64 and linux/arm64', async () => {
      const image = fixtureImage('multiarch');
      const reply = await getOk(manifestUrl(image, image.tag), { ...target(name).options, accept: MANIFEST_ACCEPT });
      expect(sha256(reply.body)).toBe(image.digest);
      expect(reply.headers['docker-content-digest']).toBe(image.digest);
      const index = JSON.parse(reply.body.toString('utf8')) as {
        mediaType: string;
        manifests: { digest: string; platform?: { os: string; architecture: string } }[];
      };
      expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
      expect(index.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`).sort()).toEqual([
        'linux/amd64',
        'linux/arm64',
      ]);
      expect(index.manifests.map((m) => m.digest).sort()).toEqual(image.platforms.map((p) => p.digest).sort());
    });

    it('serves each multiarch platform image, whose config names its architecture', async () => {
      const image = fixtureImage('multiarch');
      for (const platform of image.platforms) {
        const reply = await getOk(manifestUrl(image, platform.digest), { ...target(name).options, accept: MANIFEST_ACCEPT });
        expect(sha256(reply.body)).toBe(platform.digest);
        const manifest = JSON.parse(reply.body.toString('utf8')) as { config: { digest: string } };
        const config = await getOk(`${target(name).base}/v2/${image.repository}/blobs/${manifest.config.digest}`, target(name).options);
        expect(sha256(config.body)).toBe(manifest.config.digest);
        expect(JSON.parse(config.body.toString('utf8'))).toMatchObject({ os: platform.os, architecture: platform.architecture });
      }
    });
  });
});
