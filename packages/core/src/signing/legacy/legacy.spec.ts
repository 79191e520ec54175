/**
 * cosign's legacy format end to end against the real registries of the test environment and an OCI
 * layout on disk: sign by key and keyless (@sigstore/mock services over HTTP on 127.0.0.1), verify with
 * the one verifier, check the stored bytes with openssl as an independent verifier, append without
 * losing or duplicating signatures, ten signer processes at once, and `.att` attestations.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createAttestationBundle } from '../../attest/create';
import { imageSubject, makeStatement } from '../../attest/statement';
import { makeJwt } from '../../ci/test-support/jwt';
import { createLogger, MemorySink } from '../../exec/logger';
import { SecretRegistry } from '../../exec/secrets';
import { sha256Digest } from '../../oci/digest';
import { DockerArchiveStore } from '../../oci/docker-archive/store';
import { OciLayoutStore } from '../../oci/layout/store';
import type { Descriptor, ImageManifest } from '../../oci/manifest';
import { OCI_CONFIG, OCI_MANIFEST } from '../../oci/media-types';
import { RegistryClient } from '../../oci/registry/client';
import { RegistryRepository } from '../../oci/registry/repository';
import type { ImageStore } from '../../oci/store';
import { makeTestImage, pushTestImage } from '../../test-support/images';
import { fixtureImage, REPO_ROOT, testEnv } from '../../test-support/test-env';
import { keySigningSetup } from '../key-signer';
import { keylessSigningSetup } from '../keyless/setup';
import { startMockSigstore, type MockSigstore } from '../keyless/test-support/mock-sigstore';
import { SIMPLE_SIGNING_MEDIA_TYPE, type SigningSetup, type VerificationPolicy } from '../types';
import { verifyBundle } from '../verifier';
import { BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION, CHAIN_ANNOTATION, RFC3161_ANNOTATION, SIGNATURE_ANNOTATION } from './annotations';
import { attachLegacyAttestation, DSSE_ENVELOPE_MEDIA_TYPE } from './attest';
import { readLegacyAttestations, readLegacySignatures } from './read';
import { signLegacy } from './sign';
import { imageConfig, signatureTag } from './signature-image';
import { verifyLegacySignatures } from './verify';
import { tsChildArgs } from '../../test-support/child-main';

const env = testEnv();
jest.setTimeout(180_000);

const clients: RegistryClient[] = [];
const tempDirs: string[] = [];
afterAll(() => {
  clients.forEach((c) => c.close());
  tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function client(): RegistryClient {
  const c = new RegistryClient({ env: { HOME: '/nonexistent' }, retry: { baseDelayMs: 5, maxDelayMs: 50, attempts: 10 } });
  clients.push(c);
  return c;
}
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shipshape-legacy-'));
  tempDirs.push(dir);
  return dir;
}
const uniqueRepo = (name: string) => `test/legacy-${name}-${randomBytes(4).toString('hex')}`;

interface Key {
  setup: SigningSetup;
  publicKey: KeyObject;
  pem: string;
}
function newKey(name = 'test key'): Key {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { setup: keySigningSetup(privateKey, publicKey, name, { hash: 'sha256' }), publicKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}
const keyPolicy = (...keys: Key[]): VerificationPolicy => ({ kind: 'key', publicKeys: keys.map((k) => k.publicKey) });

interface Place {
  store: ImageStore;
  /** The payload's docker-reference for images in this store. */
  repository: string;
}
/** A fresh registry repository (plain HTTP) or OCI layout, each with its own client. */
const places: [string, () => Place][] = [
  [
    'registry',
    () => {
      const repository = uniqueRepo('sign');
      return { store: new RegistryRepository(client(), env.registry, repository), repository: `${env.registry}/${repository}` };
    },
  ],
  ['OCI layout', () => ({ store: new OciLayoutStore(tempDir()), repository: 'example.com/team/app' })],
];

async function signatureManifest(store: ImageStore, digest: string): Promise<ImageManifest> {
  const { manifest } = await store.getManifest(signatureTag(digest, 'sig'));
  return manifest as ImageManifest;
}

describe.each(places)('legacy signatures by key in a %s', (_name, open) => {
  it('sign → verify passes; another key fails; the stored signature image is what cosign writes', async () => {
    const { store, repository } = open();
    const image = await pushTestImage(store, makeTestImage(), 'v1');
    const key = newKey();

    const signed = await signLegacy(store, { descriptor: image, repository }, key.setup);
    expect(signed.added).toBe(true);
    expect(signed.location).toBe(`${store.location}:sha256-${image.digest.slice(7)}.sig`);

    const ok = await verifyLegacySignatures(store, image.digest, keyPolicy(key));
    expect(ok.rejected).toEqual([]);
    expect(ok.verified).toEqual([{ format: 'legacy', digest: image.digest, signedReference: repository, signer: { kind: 'key' }, tlog: undefined, location: `${signed.location}[0]` }]);

    const other = await verifyLegacySignatures(store, image.digest, keyPolicy(newKey()));
    expect(other.verified).toEqual([]);
    expect(other.rejected).toEqual([{ location: `${signed.location}[0]`, format: 'legacy', reason: expect.stringMatching(/does not verify with the given key/) }]);

    // The layout cosign v2 writes: OCI manifest, an image config listing the payload as a diff_id,
    // one simple-signing layer whose only annotation is the signature.
    const manifest = await signatureManifest(store, image.digest);
    const payload = await store.readBlob(manifest.layers[0] as Descriptor);
    expect(manifest.mediaType).toBe(OCI_MANIFEST);
    expect(manifest.config.mediaType).toBe(OCI_CONFIG);
    expect((await store.readBlob(manifest.config)).toString()).toBe(imageConfig([sha256Digest(payload)]));
    expect(manifest.layers).toEqual([{ mediaType: SIMPLE_SIGNING_MEDIA_TYPE, size: payload.length, digest: sha256Digest(payload), annotations: { [SIGNATURE_ANNOTATION]: expect.any(String) } }]);
    expect(JSON.parse(payload.toString())).toEqual({
      critical: { identity: { 'docker-reference': repository }, image: { 'docker-manifest-digest': image.digest }, type: 'cosign container image signature' },
      optional: null,
    });
  });

  it('appends: earlier signatures stay, the same key signing again adds no duplicate', async () => {
    const { store, repository } = open();
    const image = await pushTestImage(store, makeTestImage(), 'v1');
    const first = newKey('first');
    const second = newKey('second');

    await signLegacy(store, { descriptor: image, repository }, first.setup);
    const again = await signLegacy(store, { descriptor: image, repository }, first.setup);
    // ECDSA signatures differ on every run: cosign's duplicate check (same payload, verifies with our key) applies.
    expect(again.added).toBe(false);
    expect((await signatureManifest(store, image.digest)).layers).toHaveLength(1);

    expect((await signLegacy(store, { descriptor: image, repository }, second.setup)).added).toBe(true);
    expect((await signLegacy(store, { descriptor: image, repository, annotations: { run: '2' } }, first.setup)).added).toBe(true);
    expect((await signLegacy(store, { descriptor: image, repository }, second.setup)).added).toBe(false);

    const manifest = await signatureManifest(store, image.digest);
    expect(manifest.layers).toHaveLength(3);
    expect((await store.readBlob(manifest.config)).toString()).toBe(imageConfig(manifest.layers.map((l) => l.digest)));
    expect((await verifyLegacySignatures(store, image.digest, keyPolicy(first))).verified).toHaveLength(2);
    expect((await verifyLegacySignatures(store, image.digest, keyPolicy(second))).verified).toHaveLength(1);
    expect((await verifyLegacySignatures(store, image.digest, keyPolicy(first, second))).verified).toHaveLength(3);
  });
});

describe('legacy signatures in a registry', () => {
  it('the stored signature verifies with openssl over the stored payload (an independent verifier)', async () => {
    const repository = uniqueRepo('openssl');
    const store = new RegistryRepository(client(), env.registry, repository);
    const image = await pushTestImage(store, makeTestImage(), 'v1');
    const key = newKey();
    await signLegacy(store, { descriptor: image, repository: `${env.registry}/${repository}` }, key.setup);

    // Read back through a fresh client, as another machine would.
    const fresh = new RegistryRepository(client(), env.registry, repository);
    const [layer] = (await signatureManifest(fresh, image.digest)).layers;
    const dir = tempDir();
    writeFileSync(join(dir, 'payload'), await fresh.readBlob(layer as Descriptor));
    writeFileSync(join(dir, 'sig.der'), Buffer.from(layer?.annotations?.[SIGNATURE_ANNOTATION] ?? '', 'base64'));
    writeFileSync(join(dir, 'cosign.pub'), key.pem);
    writeFileSync(join(dir, 'other.pub'), newKey().pem);
    const openssl = (pub: string) => {
      try {
        return { status: 0, out: execFileSync('openssl', ['dgst', '-sha256', '-verify', pub, '-signature', 'sig.der', 'payload'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' }) };
      } catch (error) {
        const e = error as { status: number; stdout: string };
        return { status: e.status, out: e.stdout };
      }
    };
    expect(openssl('cosign.pub')).toEqual({ status: 0, out: 'Verified OK\n' });
    expect(openssl('other.pub')).toEqual({ status: 1, out: 'Verification failure\n' });
  });

  it('after the tag moves to a new image, the old signature does not verify for the new digest', async () => {
    const repository = uniqueRepo('moved');
    const store = new RegistryRepository(client(), env.registry, repository);
    const key = newKey();
    const old = await pushTestImage(store, makeTestImage(), 'release');
    await signLegacy(store, { descriptor: old, repository: `${env.registry}/${repository}` }, key.setup);
    const moved = await pushTestImage(store, makeTestImage(), 'release');
    const current = await store.resolve('release');
    expect(current.digest).toBe(moved.digest);

    expect((await verifyLegacySignatures(store, current.digest, keyPolicy(key))).verified).toEqual([]);
    expect((await verifyLegacySignatures(store, old.digest, keyPolicy(key))).verified).toHaveLength(1);

    // Even copied under the new digest's tag, the signature names the old digest and is refused.
    const copied = await store.getManifest(signatureTag(old.digest, 'sig'));
    await store.putManifest(copied.bytes, copied.descriptor.mediaType, signatureTag(current.digest, 'sig'));
    const result = await verifyLegacySignatures(store, current.digest, keyPolicy(key));
    expect(result.verified).toEqual([]);
    expect(result.rejected).toEqual([expect.objectContaining({ reason: `the signature covers ${old.digest}, not this image (${current.digest}): it was made for another image` })]);
  });

  it('signs and verifies in the TLS registry with basic auth (another client reads it back)', async () => {
    const tlsClient = () => {
      const c = new RegistryClient({ env: { HOME: '/nonexistent' }, hosts: { [env.tlsRegistry]: { caFile: env.tlsCaFile, username: env.tlsUsername, password: env.tlsPassword } } });
      clients.push(c);
      return c;
    };
    const repository = uniqueRepo('tls');
    const store = new RegistryRepository(tlsClient(), env.tlsRegistry, repository);
    const image = await pushTestImage(store, makeTestImage(), 'v1');
    const key = newKey();
    await signLegacy(store, { descriptor: image, repository: `${env.tlsRegistry}/${repository}` }, key.setup);
    const result = await verifyLegacySignatures(new RegistryRepository(tlsClient(), env.tlsRegistry, repository), image.digest, keyPolicy(key));
    expect(result.verified.map((v) => v.signedReference)).toEqual([`${env.tlsRegistry}/${repository}`]);
  });

  it('refuses a key signer that does not hash with SHA-256 (a P-384 key left at its SHA-384 default)', async () => {
    const repository = uniqueRepo('p384');
    const store = new RegistryRepository(client(), env.registry, repository);
    const image = await pushTestImage(store, makeTestImage(), 'v1');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const sha384 = keySigningSetup(privateKey, publicKey, 'key p384.pub');
    await expect(signLegacy(store, { descriptor: image, repository: `${env.registry}/${repository}` }, sha384)).rejects.toThrow(/does not verify with SHA-256/);
    expect(await store.listTags()).toEqual(['v1']);
    // With SHA-256 the same key signs, and verifies.
    const sha256 = keySigningSetup(privateKey, publicKey, 'key p384.pub', { hash: 'sha256' });
    await signLegacy(store, { descriptor: image, repository: `${env.registry}/${repository}` }, sha256);
    expect((await verifyLegacySignatures(store, image.digest, { kind: 'key', publicKeys: [publicKey] })).verified).toHaveLength(1);
  });

  it('refuses a read-only docker-archive before anything is signed', async () => {
    const fixture = fixtureImage('debian12');
    const archive = join(tempDir(), 'debian12.tar');
    execFileSync('skopeo', ['copy', '--quiet', `oci:${fixture.layout}:${fixture.tag}`, `docker-archive:${archive}:shipshape/debian12:1`]);
    const store = new DockerArchiveStore(archive);
    const image = await store.resolve('');
    const key = newKey();
    let signed = 0;
    const counting: SigningSetup = { ...key.setup, signer: { sign: (data) => (signed++, key.setup.signer.sign(data)) } };
    await expect(signLegacy(store, { descriptor: image, repository: 'example.com/debian12' }, counting)).rejects.toThrow(/cannot be written to a read-only image source/);
    expect(signed).toBe(0);
    // Reading works (there is simply nothing to verify).
    expect(await verifyLegacySignatures(store, image.digest, keyPolicy(key))).toEqual({ verified: [], rejected: [] });
  });

  it('reports a layer it cannot read and still verifies the others', async () => {
    const repository = uniqueRepo('broken');
    const store = new RegistryRepository(client(), env.registry, repository);
    const image = await pushTestImage(store, makeTestImage(), 'v1');
    const key = newKey();
    await signLegacy(store, { descriptor: image, repository: `${env.registry}/${repository}` }, key.setup);
    // A second layer without a signature annotation, as a confused tool might write.
    const manifest = await signatureManifest(store, image.digest);
    const good = manifest.layers[0] as Descriptor;
    const broken = { ...manifest, layers: [...manifest.layers, { ...good, annotations: { [BUNDLE_ANNOTATION]: '{"not":"a bundle"}', [SIGNATURE_ANNOTATION]: good.annotations?.[SIGNATURE_ANNOTATION] ?? '' } }, { ...good, annotations: {} }] };
    await store.putManifest(Buffer.from(JSON.stringify(broken)), OCI_MANIFEST, signatureTag(image.digest, 'sig'));

    const result = await verifyLegacySignatures(store, image.digest, keyPolicy(key));
    expect(result.verified.map((v) => v.location)).toEqual([`${store.location}:${signatureTag(image.digest, 'sig')}[0]`]);
    expect(result.rejected.map((r) => r.reason)).toEqual([
      expect.stringMatching(/dev\.sigstore\.cosign\/bundle annotation is not what cosign writes: SignedEntryTimestamp/),
      'the layer has no dev.cosignproject.cosign/signature annotation',
    ]);
  });
});

const SIGNER = join(REPO_ROOT, 'packages', 'core', 'src', 'signing', 'legacy', 'test-support', 'legacy-signer.ts');

interface SignerResult {
  publicKey: string;
  added: boolean;
  tagWrites: number;
}

interface SignerProcess {
  ready: Promise<void>;
  go(): void;
  result: Promise<SignerResult>;
}

function startSigner(repository: string, digest: string): SignerProcess {
  const child = spawn(process.execPath, tsChildArgs(SIGNER, [env.registry, repository, digest]), { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let last = '';
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === 'ready') markReady();
    else last = line;
  });
  const result = new Promise<SignerResult>((resolve, reject) => {
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(last) as SignerResult);
      else reject(new Error(`signer exited with ${code}: ${stderr.trim()}`));
    });
  });
  // A signer that dies before `ready` must fail the test, not leave it waiting.
  return { ready: Promise.race([ready, result.then(() => undefined)]), go: () => child.stdin.end('go\n'), result };
}

describe('10 concurrent legacy signers on one digest', () => {
  it('in 10 separate processes (own key, own client, no shared lock): 10 signatures afterwards', async () => {
    const repository = uniqueRepo('concurrent');
    const store = new RegistryRepository(client(), env.registry, repository);
    const image = await pushTestImage(store, makeTestImage(), 'v1');

    const signers = Array.from({ length: 10 }, () => startSigner(repository, image.digest));
    await Promise.all(signers.map((s) => s.ready));
    signers.forEach((s) => s.go());
    const results = await Promise.all(signers.map((s) => s.result));
    expect(results.every((r) => r.added && r.tagWrites >= 1)).toBe(true);

    const fresh = new RegistryRepository(client(), env.registry, repository);
    expect((await signatureManifest(fresh, image.digest)).layers).toHaveLength(10);
    // Each signer's key verifies exactly its own signature.
    for (const { publicKey } of results) {
      const verification = await verifyLegacySignatures(fresh, image.digest, { kind: 'key', publicKeys: [createPublicKey(publicKey)] });
      expect(verification.verified).toHaveLength(1);
    }
  });
});

describe('legacy attestations (.att)', () => {
  it.each(places)('in a %s: attach → read → verify; filter by predicate type; no duplicate; another subject refused', async (_name, open) => {
    const { store, repository } = open();
    const image = await pushTestImage(store, makeTestImage(), 'v1');
    const key = newKey();
    const provenance = makeStatement([imageSubject(image.digest, repository)], 'https://slsa.dev/provenance/v1', { buildDefinition: { buildType: 'test' } });
    const sbom = makeStatement([imageSubject(image.digest, repository)], 'https://cyclonedx.org/bom', { bomFormat: 'CycloneDX' });

    const bundle = await createAttestationBundle(key.setup, provenance);
    const attached = await attachLegacyAttestation(store, image, bundle);
    expect(attached.added).toBe(true);
    expect(attached.location).toBe(`${store.location}:sha256-${image.digest.slice(7)}.att`);
    expect((await attachLegacyAttestation(store, image, bundle)).added).toBe(false);
    await attachLegacyAttestation(store, image, await createAttestationBundle(key.setup, sbom));

    const { manifest } = await store.getManifest(signatureTag(image.digest, 'att'));
    expect((manifest as ImageManifest).layers.map((l) => [l.mediaType, l.annotations])).toEqual([
      [DSSE_ENVELOPE_MEDIA_TYPE, { [SIGNATURE_ANNOTATION]: '', predicateType: 'https://slsa.dev/provenance/v1' }],
      [DSSE_ENVELOPE_MEDIA_TYPE, { [SIGNATURE_ANNOTATION]: '', predicateType: 'https://cyclonedx.org/bom' }],
    ]);
    const envelope = JSON.parse((await store.readBlob((manifest as ImageManifest).layers[0] as Descriptor)).toString()) as Record<string, unknown>;
    expect(Object.keys(envelope)).toEqual(['payloadType', 'payload', 'signatures']);

    const all = await readLegacyAttestations(store, image.digest);
    expect(all.map((a) => a.ok && a.predicateType)).toEqual(['https://slsa.dev/provenance/v1', 'https://cyclonedx.org/bom']);
    const [only, ...none] = await readLegacyAttestations(store, image.digest, { predicateType: 'https://slsa.dev/provenance/v1' });
    expect(none).toEqual([]);
    if (!only?.ok) throw new Error(`expected a readable attestation, got ${JSON.stringify(only)}`);
    expect(verifyBundle(only.bundle, undefined, keyPolicy(key))).toEqual({ kind: 'key', tlog: undefined });
    expect(JSON.parse((only.bundle.content as { dsseEnvelope: { payload: Buffer } }).dsseEnvelope.payload.toString())).toEqual(provenance);
    expect(() => verifyBundle(only.bundle, undefined, keyPolicy(newKey()))).toThrow(/does not verify with the given key/);

    const elsewhere = makeStatement([imageSubject(`sha256:${'1'.repeat(64)}`)], 'https://slsa.dev/provenance/v1', {});
    await expect(attachLegacyAttestation(store, image, await createAttestationBundle(key.setup, elsewhere))).rejects.toThrow(/statement is about sha256:1111.*not sha256:/);
  });
});

describe('keyless legacy signatures and attestations (@sigstore/mock Fulcio, Rekor, TSA)', () => {
  const ISSUER = 'https://issuer.example.com';
  const IDENTITY = 'https://ci.example.com/acme/shop/release@refs/heads/main';
  let mock: MockSigstore;
  beforeAll(async () => {
    mock = await startMockSigstore();
  });
  afterAll(async () => {
    await mock.close();
  });

  async function keylessSetup(): Promise<SigningSetup> {
    const now = Math.floor(Date.now() / 1000);
    const token = makeJwt({ iss: ISSUER, sub: IDENTITY, aud: 'sigstore', iat: now, nbf: now - 5, exp: now + 600 });
    const logger = createLogger({ sink: new MemorySink(), secrets: new SecretRegistry() });
    return keylessSigningSetup({ logger, env: { SIGSTORE_ID_TOKEN: token, PATH: process.env.PATH }, fulcioUrl: mock.fulcioUrl, rekorUrl: mock.rekorUrl, tsaUrl: mock.tsaUrl, retry: 0 });
  }
  const policy = (identity: string): VerificationPolicy => ({ kind: 'keyless', identity, issuer: ISSUER, trustedRoot: mock.trustedRoot });

  it('writes the certificate, chain, Rekor bundle and timestamp annotations; verifies for the signer only', async () => {
    const repository = uniqueRepo('keyless');
    const store = new RegistryRepository(client(), env.registry, repository);
    const image = await pushTestImage(store, makeTestImage(), 'v1');
    const signed = await signLegacy(store, { descriptor: image, repository: `${env.registry}/${repository}` }, await keylessSetup());

    const [layer] = (await signatureManifest(store, image.digest)).layers;
    const annotations = layer?.annotations ?? {};
    expect(Object.keys(annotations).sort()).toEqual([SIGNATURE_ANNOTATION, BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION, CHAIN_ANNOTATION, RFC3161_ANNOTATION].sort());
    expect(annotations[CERTIFICATE_ANNOTATION]).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
    const rekorBundle = JSON.parse(annotations[BUNDLE_ANNOTATION] ?? '') as { SignedEntryTimestamp: string; Payload: Record<string, unknown> };
    const entry = signed.bundle.verificationMaterial.tlogEntries[0];
    expect(Object.keys(rekorBundle)).toEqual(['SignedEntryTimestamp', 'Payload']);
    expect(rekorBundle.Payload).toEqual({ body: entry?.canonicalizedBody.toString('base64'), integratedTime: Number(entry?.integratedTime), logIndex: Number(entry?.logIndex), logID: entry?.logId.keyId.toString('hex') });
    expect(JSON.parse(Buffer.from(rekorBundle.Payload.body as string, 'base64').toString())).toMatchObject({ kind: 'hashedrekord' });

    const ok = await verifyLegacySignatures(store, image.digest, policy(IDENTITY));
    expect(ok.rejected).toEqual([]);
    expect(ok.verified).toEqual([expect.objectContaining({ signer: { kind: 'keyless', identity: IDENTITY, issuer: ISSUER }, tlog: { logIndex: entry?.logIndex, integratedTime: entry?.integratedTime } })]);

    const someoneElse = await verifyLegacySignatures(store, image.digest, policy('https://ci.example.com/mallory'));
    expect(someoneElse.verified).toEqual([]);
    expect(someoneElse.rejected[0]?.reason).toMatch(/certificate identity ".*release@refs\/heads\/main" is not the expected/);

    // The log entry is checked: a tampered promise fails even for the right identity.
    const [read] = await readLegacySignatures(store, image.digest);
    if (!read?.ok) throw new Error('unreadable');
    read.bundle.verificationMaterial.tlogEntries[0]?.inclusionPromise?.signedEntryTimestamp.fill(7);
    expect(() => verifyBundle(read.bundle, read.payload, policy(IDENTITY))).toThrow(/keyless signature rejected/);
  });

  it('attaches a keyless attestation that reads back and verifies', async () => {
    const store = new OciLayoutStore(tempDir());
    const image = await pushTestImage(store, makeTestImage(), 'v1');
    const statement = makeStatement([imageSubject(image.digest, 'example.com/team/app')], 'https://spdx.dev/Document', { spdxVersion: 'SPDX-2.3' });
    await attachLegacyAttestation(store, image, await createAttestationBundle(await keylessSetup(), statement));

    const [attestation] = await readLegacyAttestations(store, image.digest, { predicateType: 'https://spdx.dev/Document' });
    if (!attestation?.ok) throw new Error(`unreadable: ${JSON.stringify(attestation)}`);
    expect(Object.keys(attestation.layer.annotations ?? {}).sort()).toEqual([SIGNATURE_ANNOTATION, BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION, CHAIN_ANNOTATION, RFC3161_ANNOTATION, 'predicateType'].sort());
    expect(verifyBundle(attestation.bundle, undefined, policy(IDENTITY))).toMatchObject({ kind: 'keyless', identity: IDENTITY, issuer: ISSUER });
  });
});
