/**
 * SBOMs as attestations on the real plain registry and an OCI layout: what is attached is what
 * `cosign attest --type cyclonedx|spdxjson` writes (statement subject, predicate type, the document as
 * the predicate), and reading it back returns the document only when the attestation verifies.
 */
import { generateKeyPairSync } from 'node:crypto';
import { bundleStatement } from '../attest/dsse';
import { readBundles } from '../attest/bundle-referrer';
import { ShipshapeError } from '../errors';
import { keySigningSetup } from '../signing/key-signer';
import type { SigningSetups } from '../signing/setup';
import { makeTestImage, pushTestImage } from '../test-support/images';
import { testStores } from '../attest/test-support/stores';
import { attachSbom, downloadSbom } from './attestation';
import { sampleResult } from './writers/test-support/catalog-results';
import { writeCycloneDxJson, writeSpdxJson } from './writers';

const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const setup = keySigningSetup(pair.privateKey, pair.publicKey, 'test key');
const setups: SigningSetups = { kind: 'key', description: 'test key', forFormat: () => setup };
const policy = { kind: 'key' as const, publicKeys: [pair.publicKey] };
const stores = testStores('sbom-attest');
afterAll(() => stores.close());

describe.each(stores.kinds.filter(([label]) => label !== 'TLS registry'))('SBOM attestations in the %s', (_label, newStore) => {
  it('attaches a CycloneDX SBOM as cosign does and reads the same document back, verified', async () => {
    const store = newStore();
    const image = await pushTestImage(store, makeTestImage(), 'v1');
    const document = writeCycloneDxJson(sampleResult({ imageDigest: image.digest }));
    const attached = await attachSbom({ store, subject: image, subjectName: 'registry.example/app', format: 'cyclonedx-json', document, setups, signatureFormat: 'both' });
    expect(attached.map((a) => a.format)).toEqual(['bundle', 'legacy']);

    // What was signed: subject = the image digest, predicate = the document itself.
    const { bundles } = await readBundles(store, image.digest, { predicateType: 'https://cyclonedx.org/bom' });
    const statement = bundleStatement(bundles[0]!.bundle, 'test');
    expect(statement.subject).toEqual([{ name: 'registry.example/app', digest: { sha256: image.digest.slice(7) } }]);
    expect(statement.predicate).toEqual(JSON.parse(document));

    const downloaded = await downloadSbom(store, image.digest, 'cyclonedx-json', policy);
    expect(JSON.parse(downloaded.document)).toEqual(JSON.parse(document));
    expect(downloaded.verifiedCount).toBe(2);
    expect(downloaded.attestation.signer.kind).toBe('key');
  });

  it('keeps SPDX and CycloneDX apart, and refuses an SBOM no trusted key signed', async () => {
    const store = newStore();
    const image = await pushTestImage(store, makeTestImage(), 'v1');
    const spdx = writeSpdxJson(sampleResult({ imageDigest: image.digest }));
    await attachSbom({ store, subject: image, format: 'spdx-json', document: spdx, setups, signatureFormat: 'bundle' });
    expect(JSON.parse((await downloadSbom(store, image.digest, 'spdx-json', policy)).document)).toEqual(JSON.parse(spdx));

    const none = await downloadSbom(store, image.digest, 'cyclonedx-json', policy).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(ShipshapeError);
    expect((none as ShipshapeError).kind).toBe('check');
    expect((none as ShipshapeError).message).toMatch(/no cyclonedx-json SBOM attestation .* verifies \(none is attached\)/);

    const wrongKey = await downloadSbom(store, image.digest, 'spdx-json', { kind: 'key', publicKeys: [other.publicKey] }).catch((e: unknown) => e);
    expect((wrongKey as ShipshapeError).kind).toBe('check');
    expect((wrongKey as ShipshapeError).message).toMatch(/no spdx-json SBOM attestation/);
  });

  it('refuses to attach a document that is not the format it claims', async () => {
    const store = newStore();
    const image = await pushTestImage(store, makeTestImage(), 'v1');
    const spdx = writeSpdxJson(sampleResult({ imageDigest: image.digest }));
    await expect(attachSbom({ store, subject: image, format: 'cyclonedx-json', document: spdx, setups, signatureFormat: 'bundle' })).rejects.toThrow('not a CycloneDX JSON document');
  });
});
