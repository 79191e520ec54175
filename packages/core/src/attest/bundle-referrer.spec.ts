/**
 * Bundles attached as referrers, against real registries (no referrers API: the fallback index) and an
 * OCI layout: the stored manifest is exactly what cosign v3 writes (specs/BUNDLE_SPEC.md and
 * `WriteAttestationNewBundleFormat`), reading finds bundles by predicate type, and junk that other
 * tools (or attackers) list as referrers is skipped with the reason, never trusted or fatal.
 */
import { generateKeyPairSync } from 'node:crypto';
import { bundleFromJSON, bundleToJSON, type Bundle } from '@sigstore/bundle';
import { keySigningSetup } from '../signing/key-signer';
import { SIGSTORE_BUNDLE_MEDIA_TYPE, type SigningSetup } from '../signing/types';
import { sha256Digest } from '../oci/digest';
import type { Descriptor } from '../oci/manifest';
import { EMPTY_JSON_DIGEST, OCI_EMPTY, OCI_MANIFEST } from '../oci/media-types';
import { addToReferrersFallback } from '../oci/referrers';
import type { ImageStore } from '../oci/store';
import { makeTestImage, pushReferrer, pushTestImage } from '../test-support/images';
import { attachBundle, readBundles } from './bundle-referrer';
import { createAttestationBundle } from './create';
import { imageSubject, makeStatement, PREDICATE_TYPES } from './statement';
import { testStores } from './test-support/stores';

const stores = testStores('bundle-referrer');
afterAll(() => stores.close());

const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const setup: SigningSetup = keySigningSetup(keys.privateKey, keys.publicKey, 'test key');

function statementFor(subject: Descriptor, predicateType: string = PREDICATE_TYPES.cosignSign) {
  return makeStatement([imageSubject(subject.digest)], predicateType, {});
}

/** A referrer with whatever layer and annotations a test wants: how junk gets into the listing. */
async function pushArtifact(store: ImageStore, subject: Descriptor, layer: { mediaType: string; bytes: Buffer }[], extra: Record<string, unknown> = {}): Promise<Descriptor> {
  await store.putBlob(Buffer.from('{}'), OCI_EMPTY);
  const layers = [];
  for (const l of layer) layers.push(await store.putBlob(l.bytes, l.mediaType));
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: SIGSTORE_BUNDLE_MEDIA_TYPE,
    config: { mediaType: OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: 2 },
    layers,
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    ...extra,
  };
  return store.putManifest(Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);
}

describe.each(stores.kinds)('bundle referrers in the %s', (_label, newStore) => {
  let store: ImageStore;
  let image: Descriptor;
  let signature: Bundle;

  beforeAll(async () => {
    store = newStore();
    image = await pushTestImage(store, makeTestImage(), 'v1');
    signature = await createAttestationBundle(setup, statementFor(image));
  });

  it('stores the manifest cosign v3 writes: artifactType, empty config, one bundle layer, subject, annotations', async () => {
    const created = new Date('2026-03-08T18:18:20.406Z');
    const referrer = await attachBundle(store, image, signature, PREDICATE_TYPES.cosignSign, { created });
    const { bytes } = await store.getManifest(referrer.digest);
    const manifest = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    const bundleBytes = Buffer.from(JSON.stringify(bundleToJSON(signature)));

    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        size: 2,
        digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
        artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      },
      layers: [{ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', size: bundleBytes.length, digest: sha256Digest(bundleBytes) }],
      annotations: {
        'dev.sigstore.bundle.content': 'dsse-envelope',
        'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1',
        'org.opencontainers.image.created': '2026-03-08T18:18:20Z',
      },
      subject: { mediaType: image.mediaType, size: image.size, digest: image.digest },
    });
    // The config blob is the empty JSON object, and the layer is the bundle, byte for byte.
    expect((await store.readBlob({ digest: EMPTY_JSON_DIGEST, size: 2 })).toString()).toBe('{}');
    const layer = await store.readBlob({ digest: sha256Digest(bundleBytes), size: bundleBytes.length });
    expect(bundleFromJSON(JSON.parse(layer.toString('utf8'))).mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');

    // The referrers listing carries the artifactType and the annotations, so readers can choose unread.
    const listed = (await store.referrers(image.digest)).find((d) => d.digest === referrer.digest);
    expect(listed).toMatchObject({ mediaType: OCI_MANIFEST, artifactType: SIGSTORE_BUNDLE_MEDIA_TYPE, annotations: { 'dev.sigstore.bundle.predicateType': PREDICATE_TYPES.cosignSign } });
  });

  it('finds bundles by predicate type', async () => {
    const sbom = await createAttestationBundle(setup, makeStatement([imageSubject(image.digest, 'example.com/app')], PREDICATE_TYPES.cyclonedx, { bomFormat: 'CycloneDX' }));
    const sbomReferrer = await attachBundle(store, image, sbom, PREDICATE_TYPES.cyclonedx);

    const all = await readBundles(store, image.digest);
    expect(all.bundles.map((b) => b.predicateType).sort()).toEqual([PREDICATE_TYPES.cyclonedx, PREDICATE_TYPES.cosignSign].sort());
    const sboms = await readBundles(store, image.digest, { predicateType: PREDICATE_TYPES.cyclonedx });
    expect(sboms.bundles).toHaveLength(1);
    expect(sboms.bundles[0]).toMatchObject({ location: `${store.location}@${sbomReferrer.digest}`, statement: { subject: [{ name: 'example.com/app' }] } });
    expect(sboms.skipped).toEqual([]);
    expect((await readBundles(store, image.digest, { predicateType: PREDICATE_TYPES.spdx })).bundles).toEqual([]);
  });

  it('skips junk referrers with the reason, and ignores other artifacts', async () => {
    const junkImage = await pushTestImage(store, makeTestImage());
    const good = await attachBundle(store, junkImage, await createAttestationBundle(setup, statementFor(junkImage)), PREDICATE_TYPES.cosignSign);
    const sbomBundle = await createAttestationBundle(setup, makeStatement([imageSubject(junkImage.digest)], PREDICATE_TYPES.cyclonedx, {}));
    const sbomJson = Buffer.from(JSON.stringify(bundleToJSON(sbomBundle)));
    const junk = {
      wrongLayerType: await pushReferrer(store, junkImage, SIGSTORE_BUNDLE_MEDIA_TYPE, Buffer.from('random bytes')),
      notJson: await pushArtifact(store, junkImage, [{ mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE, bytes: Buffer.from('{"mediaType": ') }]),
      notABundle: await pushArtifact(store, junkImage, [{ mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE, bytes: Buffer.from('{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}') }]),
      twoLayers: await pushArtifact(store, junkImage, [
        { mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE, bytes: sbomJson },
        { mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE, bytes: Buffer.from('{}') },
      ]),
      // An SBOM attestation whose manifest claims to be a signature: the signed statement decides.
      lyingAnnotation: await pushArtifact(store, junkImage, [{ mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE, bytes: sbomJson }], {
        annotations: { 'dev.sigstore.bundle.predicateType': PREDICATE_TYPES.cosignSign },
      }),
    };
    // A bundle of another image, listed in this image's fallback index (anyone who can push can write it).
    const elsewhere = await pushTestImage(store, makeTestImage());
    const foreign = await attachBundle(store, elsewhere, await createAttestationBundle(setup, statementFor(elsewhere)), PREDICATE_TYPES.cosignSign);
    await addToReferrersFallback(store, junkImage.digest, foreign);
    // Another tool's artifact (an SBOM as a plain referrer) is not ours to judge.
    await pushReferrer(store, junkImage, 'application/vnd.cyclonedx+json');

    const { bundles, skipped } = await readBundles(store, junkImage.digest, { predicateType: PREDICATE_TYPES.cosignSign });
    expect(bundles.map((b) => b.descriptor.digest)).toEqual([good.digest]);
    const reasons = Object.fromEntries(skipped.map((s) => [s.location.slice(s.location.lastIndexOf('@') + 1), s.reason]));
    expect(reasons).toEqual({
      [junk.wrongLayerType.digest]: "the layer's media type is application/octet-stream, not a Sigstore bundle",
      [junk.notJson.digest]: 'the bundle is not valid JSON',
      [junk.notABundle.digest]: expect.stringMatching(/^not a valid Sigstore bundle: /),
      [junk.twoLayers.digest]: 'a bundle referrer has exactly one layer; this one has 2',
      [foreign.digest]: `the referrer's subject is ${elsewhere.digest}, not ${junkImage.digest}`,
      [junk.lyingAnnotation.digest]: `the manifest says predicate type ${PREDICATE_TYPES.cosignSign}, but the signed statement says ${PREDICATE_TYPES.cyclonedx}`,
    });
    for (const s of skipped) expect(s.location).toBe(`${store.location}@${s.location.slice(s.location.lastIndexOf('@') + 1)}`);
  });

  it('refuses a bundle larger than the limit without reading it', async () => {
    const big = await pushTestImage(store, makeTestImage());
    await attachBundle(store, big, await createAttestationBundle(setup, statementFor(big)), PREDICATE_TYPES.cosignSign);
    const { bundles, skipped } = await readBundles(store, big.digest, { maxBundleBytes: 100 });
    expect(bundles).toEqual([]);
    expect(skipped[0]?.reason).toMatch(/^the bundle is \d+ bytes, over the 100-byte limit$/);
  });
});
