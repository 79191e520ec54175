/**
 * The one attestation path in both storage formats, on the real registry and an OCI layout: attach,
 * verify, and the rejections a verifier relies on (another key, another predicate type, another image).
 */
import { generateKeyPairSync } from 'node:crypto';
import { keySigningSetup } from '../signing/key-signer';
import type { SigningSetups } from '../signing/setup';
import { makeTestImage, pushTestImage } from '../test-support/images';
import { attachAttestation, verifyAttestations } from './attestation';
import { imageSubject, makeStatement } from './statement';
import { testStores } from './test-support/stores';

const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const setup = keySigningSetup(pair.privateKey, pair.publicKey, 'test key');
const setups: SigningSetups = { kind: 'key', description: 'test key', forFormat: () => setup };
const PROVENANCE = 'https://slsa.dev/provenance/v1';
const stores = testStores('attestation-path');
afterAll(() => stores.close());

describe.each(stores.kinds)('attestations in the %s', (_label, newStore) => {
  it.each(['bundle', 'legacy', 'both'] as const)('attaches in %s format and verifies only what holds', async (format) => {
    const store = newStore();
    const image = await pushTestImage(store, makeTestImage(), 'v1');
    const statement = makeStatement([imageSubject(image.digest, 'example/app')], PROVENANCE, { buildDefinition: { buildType: 'test' } });
    const attached = await attachAttestation(store, image, statement, setups, format);
    expect(attached.map((a) => a.format)).toEqual(format === 'both' ? ['bundle', 'legacy'] : [format]);

    const good = await verifyAttestations(store, image.digest, { kind: 'key', publicKeys: [pair.publicKey] }, PROVENANCE);
    expect(good.verified.map((v) => v.format).sort()).toEqual(attached.map((a) => a.format).sort());
    expect(good.verified[0]!.statement.predicate).toEqual({ buildDefinition: { buildType: 'test' } });

    const wrongKey = await verifyAttestations(store, image.digest, { kind: 'key', publicKeys: [other.publicKey] }, PROVENANCE);
    expect(wrongKey.verified).toEqual([]);
    expect(wrongKey.rejected.length).toBe(attached.length);

    const wrongType = await verifyAttestations(store, image.digest, { kind: 'key', publicKeys: [pair.publicKey] }, 'https://cyclonedx.org/bom');
    expect(wrongType.verified).toEqual([]);
  });

  it('rejects a statement about another digest attached to this image', async () => {
    const store = newStore();
    const image = await pushTestImage(store, makeTestImage(), 'v1');
    const elsewhere = makeStatement([imageSubject(`sha256:${'0'.repeat(64)}`)], PROVENANCE, {});
    await attachAttestation(store, image, elsewhere, setups, 'bundle');
    const result = await verifyAttestations(store, image.digest, { kind: 'key', publicKeys: [pair.publicKey] }, PROVENANCE);
    expect(result.verified).toEqual([]);
    expect(result.rejected.map((r) => r.reason).join()).toMatch(/not this image/);
  });
});
