/**
 * Trusted roots: the public-good trusted_root.json (as cosign ships it in its testdata) loads from a
 * file; broken files get one clear message; and when the TUF repository cannot be reached (offline,
 * or the mirror failing), the message says to pass --trusted-root — against a real HTTP server on
 * 127.0.0.1 standing in for a failing mirror.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fixturesDir } from '../test-support/test-env';
import { loadTrustedRoot, parseTrustedRoot, readTrustedRootFile } from './trust';
import { shipshapeFailure } from '../test-support/failures';

const PUBLIC_GOOD = join(fixturesDir(), 'sigstore', 'trusted_root_pgi.json');

describe('trusted roots', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shipshape-trust-'));
  });

  it('loads the public-good trusted root from a file', async () => {
    const loaded = await loadTrustedRoot({ file: PUBLIC_GOOD });
    expect(loaded.source).toBe(`file ${PUBLIC_GOOD}`);
    expect(loaded.trustedRoot.mediaType).toMatch(/^application\/vnd\.dev\.sigstore\.trustedroot/);
    expect((loaded.trustedRoot.tlogs as unknown[]).length).toBeGreaterThan(0);
  });

  it('names the file and the problem for a missing, non-JSON or wrong file', async () => {
    const missing = await shipshapeFailure(readTrustedRootFile(join(dir, 'nope.json')));
    expect(missing.describe()).toMatch(/nope\.json: the trusted root file does not exist\n {2}hint: pass a trusted_root\.json with --trusted-root/);
    expect(missing.exitCode).toBe(2);

    const notJson = join(dir, 'not.json');
    await writeFile(notJson, 'trusted: root');
    expect((await shipshapeFailure(readTrustedRootFile(notJson))).message).toBe('the trusted root is not valid JSON');

    const bundle = join(fixturesDir(), 'sigstore', 'conformance', 'happy-path-v0.3', 'bundle.sigstore.json');
    expect((await shipshapeFailure(readTrustedRootFile(bundle))).message).toMatch(/^not a Sigstore trusted root: mediaType: expected a Sigstore trusted root media type/);
  });

  it('refuses a root whose keys sigstore cannot use', () => {
    const broken = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [{ logId: { keyId: 'x' }, publicKey: { rawBytes: 'bm90IGEga2V5', keyDetails: 'PKIX_ECDSA_P256_SHA_256' } }] };
    expect(() => parseTrustedRoot(broken, 'root.json')).toThrow(/the Sigstore trusted root is not usable/);
  });

  describe('through TUF', () => {
    let server: Server;
    let mirror: string;
    const requests: string[] = [];
    beforeAll(async () => {
      // A mirror that is there but failing, as a proxy or an outage looks: every request gets a 503.
      server = createServer((req, res) => {
        requests.push(req.url ?? '');
        res.writeHead(503).end('unavailable');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('fails with a message that says to pass --trusted-root when the repository cannot be reached', async () => {
      // The TUF root to start from: the public-good one @sigstore/tuf ships (any valid root.json does).
      const seedsFile = join(dirname(require.resolve('@sigstore/tuf/package.json')), 'seeds.json');
      const seeds = JSON.parse(await readFile(seedsFile, 'utf8')) as Record<string, { 'root.json': string }>;
      const rootPath = join(dir, 'root.json');
      await writeFile(rootPath, Buffer.from(seeds['https://tuf-repo-cdn.sigstore.dev']!['root.json'], 'base64'));

      const error = await shipshapeFailure(loadTrustedRoot({ tuf: { mirrorURL: mirror, rootPath, cachePath: join(dir, 'tuf-cache'), retry: 0, timeout: 2000 } }));
      expect(error.kind).toBe('network');
      expect(error.exitCode).toBe(1);
      expect(error.message).toMatch(new RegExp(`^cannot get the Sigstore trusted root from ${mirror}: .+`));
      expect(error.hint).toMatch(/offline, pass a trusted_root\.json with --trusted-root FILE/);
      expect(requests.length).toBeGreaterThan(0);
    });
  });
});
