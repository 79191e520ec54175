/**
 * Image signatures in the bundle format (cosign v3's default), against the real registries and an OCI
 * layout: signed by key, they verify with that key and not with another; after the tag moves to a new
 * image, the old signature does not count for the new digest, even when copied onto it; and what we
 * stored verifies independently — with @sigstore/verify driven directly, and with openssl over the DSSE
 * pre-authentication encoding.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { attachBundle, readBundles } from '../../attest/bundle-referrer';
import { preAuthEncoding } from '../../attest/dsse';
import { testStores } from '../../attest/test-support/stores';
import { isIndex } from '../../oci/manifest';
import type { ImageStore } from '../../oci/store';
import { makeTestImage, pushTestImage } from '../../test-support/images';
import { keySigningSetup } from '../key-signer';
import { publicKeyHint } from '../keys';
import { COSIGN_SIGN_PREDICATE_TYPE, SIGSTORE_BUNDLE_MEDIA_TYPE, type VerificationPolicy } from '../types';
import { signImageBundle } from './sign';
import { verifyImageBundles } from './verify';

const stores = testStores('bundle-sign');
const work = mkdtempSync(join(tmpdir(), 'bundle-sign-'));
afterAll(() => {
  stores.close();
  rmSync(work, { recursive: true, force: true });
});

const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const setup = keySigningSetup(signing.privateKey, signing.publicKey, 'key test.pub (ECDSA P-256)');
const byKey = (key: typeof signing): VerificationPolicy => ({ kind: 'key', publicKeys: [key.publicKey] });

describe.each(stores.kinds)('bundle-format image signatures in the %s', (_label, newStore) => {
  let store: ImageStore;

  beforeAll(() => {
    store = newStore();
  });

  it('signs by key; verifies with that key, not with another', async () => {
    const image = await pushTestImage(store, makeTestImage(), 'v1');
    const signed = await signImageBundle(store, { descriptor: image }, setup);
    expect(signed.location).toBe(`${store.location}@${signed.referrer.digest}`);

    const result = await verifyImageBundles(store, image.digest, byKey(signing));
    expect(result.rejected).toEqual([]);
    expect(result.verified).toEqual([
      { format: 'bundle', digest: image.digest, signedReference: undefined, signer: { kind: 'key', keyHint: publicKeyHint(signing.publicKey) }, tlog: undefined, location: signed.location },
    ]);

    const wrong = await verifyImageBundles(store, image.digest, byKey(other));
    expect(wrong.verified).toEqual([]);
    expect(wrong.rejected).toEqual([{ format: 'bundle', location: signed.location, reason: expect.stringMatching(/^the signature does not verify with the given key: /) }]);
  });

  it('after the tag moves to a new image, the old signature does not verify for the new digest', async () => {
    const first = await pushTestImage(store, makeTestImage(), 'moving');
    await signImageBundle(store, { descriptor: first }, setup);
    const second = await pushTestImage(store, makeTestImage(), 'moving');
    expect((await store.resolve('moving')).digest).toBe(second.digest);
    expect(second.digest).not.toBe(first.digest);

    expect((await verifyImageBundles(store, second.digest, byKey(signing))).verified).toEqual([]);
    expect((await verifyImageBundles(store, first.digest, byKey(signing))).verified).toHaveLength(1);

    // Copying the old bundle onto the new image (a valid signature, about another digest) does not help.
    const [old] = (await readBundles(store, first.digest)).bundles;
    const copy = await attachBundle(store, second, old!.bundle, COSIGN_SIGN_PREDICATE_TYPE);
    const result = await verifyImageBundles(store, second.digest, byKey(signing));
    expect(result.verified).toEqual([]);
    expect(result.rejected).toEqual([
      { format: 'bundle', location: `${store.location}@${copy.digest}`, reason: `the signed statement is for ${first.digest}, not this image (${second.digest})` },
    ]);
  });

  it('only counts statements of the asked predicate type', async () => {
    const image = await pushTestImage(store, makeTestImage());
    await signImageBundle(store, { descriptor: image }, setup);
    const asProvenance = await verifyImageBundles(store, image.digest, byKey(signing), { predicateType: 'https://slsa.dev/provenance/v1' });
    expect(asProvenance).toEqual({ verified: [], rejected: [] });
  });

  it('writes the statement cosign sign writes, and the stored bundle verifies with @sigstore/verify and openssl', async () => {
    const image = await pushTestImage(store, makeTestImage());
    const signed = await signImageBundle(store, { descriptor: image }, setup, { annotations: { team: 'payments' } });

    // Read back exactly what is stored, without our reader.
    const { manifest } = await store.getManifest(signed.referrer.digest);
    if (isIndex(manifest)) throw new Error('expected an image manifest');
    expect(manifest.layers).toHaveLength(1);
    const layer = manifest.layers[0]!;
    expect(layer.mediaType).toBe(SIGSTORE_BUNDLE_MEDIA_TYPE);
    const bundle = bundleFromJSON(JSON.parse((await store.readBlob(layer)).toString('utf8')));

    // @sigstore/verify, set up here: the key as the only trust, no log or timestamp required.
    const emptyRoot = TrustedRoot.fromJSON({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] });
    const trust = (key: typeof signing) => toTrustMaterial(emptyRoot, () => ({ publicKey: key.publicKey, validFor: () => true }));
    const options = { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 };
    expect(() => new Verifier(trust(signing), options).verify(toSignedEntity(bundle))).not.toThrow();
    expect(() => new Verifier(trust(other), options).verify(toSignedEntity(bundle))).toThrow(/signature verification failed/);

    // The payload is cosign's sign statement for this digest.
    if (bundle.content.$case !== 'dsseEnvelope') throw new Error('expected a DSSE bundle');
    const { payloadType, payload, signatures } = bundle.content.dsseEnvelope;
    expect(payloadType).toBe('application/vnd.in-toto+json');
    expect(JSON.parse(payload.toString('utf8'))).toEqual({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ digest: { sha256: image.digest.slice('sha256:'.length) }, annotations: { team: 'payments' } }],
      predicateType: 'https://sigstore.dev/cosign/sign/v1',
      predicate: {},
    });

    // openssl, knowing nothing of sigstore: the DSSE signature is ECDSA-SHA256 over PAE(type, payload).
    const dir = mkdtempSync(join(work, 'openssl-'));
    writeFileSync(join(dir, 'pae.bin'), preAuthEncoding(payloadType, payload));
    writeFileSync(join(dir, 'sig.der'), signatures[0]!.sig);
    writeFileSync(join(dir, 'key.pub'), signing.publicKey.export({ type: 'spki', format: 'pem' }));
    const out = execFileSync('openssl', ['dgst', '-sha256', '-verify', join(dir, 'key.pub'), '-signature', join(dir, 'sig.der'), join(dir, 'pae.bin')], { encoding: 'utf8' });
    expect(out.trim()).toBe('Verified OK');
  });
});
