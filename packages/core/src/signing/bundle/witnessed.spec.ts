/**
 * Bundle-format signatures that carry a certificate and transparency-log entries, as keyless signing
 * and `cosign sign --key` (which uploads to Rekor by default) make them, against @sigstore/mock's
 * Fulcio and Rekor over HTTP on 127.0.0.1, stored in an OCI layout:
 *   - keyless: verifies for the certified identity and issuer, not for another identity;
 *   - key + Rekor: the log entry is checked against the trusted root when one is given (and fails
 *     against another instance's root); without a root the key alone decides and no log is claimed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RekorWitness } from '@sigstore/sign';
import { makeJwt } from '../../ci/test-support/jwt';
import { createLogger, MemorySink } from '../../exec/logger';
import { SecretRegistry } from '../../exec/secrets';
import { OciLayoutStore } from '../../oci/layout/store';
import { makeTestImage, pushTestImage } from '../../test-support/images';
import { keySigningSetup } from '../key-signer';
import { keylessSigningSetup } from '../keyless/setup';
import { startMockSigstore, type MockSigstore } from '../keyless/test-support/mock-sigstore';
import { signImageBundle } from './sign';
import { verifyImageBundles } from './verify';

const ISSUER = 'https://issuer.example.com';
const IDENTITY = 'https://ci.example.com/acme/shop/release@refs/heads/main';

let mock: MockSigstore;
let otherInstance: MockSigstore;
const work = mkdtempSync(join(tmpdir(), 'bundle-witnessed-'));

beforeAll(async () => {
  mock = await startMockSigstore({ tsa: false });
  otherInstance = await startMockSigstore({ tsa: false });
});
afterAll(async () => {
  await mock.close();
  await otherInstance.close();
  rmSync(work, { recursive: true, force: true });
});

function token(): string {
  const now = Math.floor(Date.now() / 1000);
  return makeJwt({ iss: ISSUER, sub: IDENTITY, aud: 'sigstore', iat: now, nbf: now - 5, exp: now + 600 });
}

describe('bundle-format signatures with certificates and log entries', () => {
  it('keyless: verifies for the signing identity and issuer, not for another identity', async () => {
    const store = new OciLayoutStore(join(work, 'keyless'));
    const image = await pushTestImage(store, makeTestImage());
    const setup = await keylessSigningSetup({
      logger: createLogger({ sink: new MemorySink(), secrets: new SecretRegistry() }),
      env: { SIGSTORE_ID_TOKEN: token(), PATH: process.env.PATH },
      fulcioUrl: mock.fulcioUrl,
      rekorUrl: mock.rekorUrl,
      retry: 0,
    });
    const signed = await signImageBundle(store, { descriptor: image }, setup);

    const result = await verifyImageBundles(store, image.digest, { kind: 'keyless', identity: IDENTITY, issuer: ISSUER, trustedRoot: mock.trustedRoot });
    expect(result.rejected).toEqual([]);
    expect(result.verified).toEqual([
      {
        format: 'bundle',
        digest: image.digest,
        signedReference: undefined,
        location: signed.location,
        signer: { kind: 'keyless', identity: IDENTITY, issuer: ISSUER },
        tlog: { logIndex: expect.stringMatching(/^\d+$/), integratedTime: expect.stringMatching(/^\d+$/) },
      },
    ]);

    const other = await verifyImageBundles(store, image.digest, { kind: 'keyless', identity: 'https://ci.example.com/acme/other@refs/heads/main', issuer: ISSUER, trustedRoot: mock.trustedRoot });
    expect(other.verified).toEqual([]);
    expect(other.rejected[0]?.reason).toMatch(/certificate identity ".*acme\/shop\/release.*" is not the expected/);
  });

  it('key + Rekor: the log entry is checked against the trusted root, and only claimed when it was', async () => {
    const store = new OciLayoutStore(join(work, 'key-rekor'));
    const image = await pushTestImage(store, makeTestImage());
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const base = keySigningSetup(keys.privateKey, keys.publicKey, 'key test.pub');
    const setup = { ...base, witnesses: [new RekorWitness({ rekorBaseURL: mock.rekorUrl, entryType: 'dsse', retry: 0 })] };
    await signImageBundle(store, { descriptor: image }, setup);

    const withRoot = await verifyImageBundles(store, image.digest, { kind: 'key', publicKeys: [keys.publicKey], trustedRoot: mock.trustedRoot });
    expect(withRoot.rejected).toEqual([]);
    expect(withRoot.verified[0]?.tlog?.logIndex).toEqual(expect.any(String));

    const keyOnly = await verifyImageBundles(store, image.digest, { kind: 'key', publicKeys: [keys.publicKey] });
    expect(keyOnly.verified).toHaveLength(1);
    expect(keyOnly.verified[0]?.tlog).toBeUndefined();

    const wrongLog = await verifyImageBundles(store, image.digest, { kind: 'key', publicKeys: [keys.publicKey], trustedRoot: otherInstance.trustedRoot });
    expect(wrongLog.verified).toEqual([]);
    // Another instance's Rekor key cannot vouch for this entry's inclusion promise.
    expect(wrongLog.rejected[0]?.reason).toBe("the bundle's transparency-log entry or timestamp does not verify against the trusted root: inclusion promise could not be verified");
  });
});
