/** The shared verifier with keys of every curve cosign signs with, DSSE and message signatures. */
import { generateKeyPairSync } from 'node:crypto';
import { MessageSignatureBundleBuilder } from '@sigstore/sign';
import { createAttestationBundle } from '../attest/create';
import { imageSubject, makeStatement } from '../attest/statement';
import { keySigningSetup } from './key-signer';
import { verifyBundle } from './verifier';
import { ShipshapeError } from '../errors';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe.each(['prime256v1', 'secp384r1', 'secp521r1'])('key-based bundles on %s', (namedCurve) => {
  const pair = generateKeyPairSync('ec', { namedCurve });
  const other = generateKeyPairSync('ec', { namedCurve });
  const setup = keySigningSetup(pair.privateKey, pair.publicKey, `test ${namedCurve}`);

  it('verifies a DSSE attestation signed with the curve hash, and rejects another key', async () => {
    const bundle = await createAttestationBundle(setup, makeStatement([imageSubject(DIGEST)], 'https://example.com/predicate', {}));
    expect(verifyBundle(bundle, undefined, { kind: 'key', publicKeys: [pair.publicKey] }).kind).toBe('key');
    expect(() => verifyBundle(bundle, undefined, { kind: 'key', publicKeys: [other.publicKey] })).toThrow(ShipshapeError);
  });

  it('verifies a message signature (the legacy payload path) with SHA-256', async () => {
    const legacy = keySigningSetup(pair.privateKey, pair.publicKey, 'legacy', { hash: 'sha256' });
    const payload = Buffer.from('{"critical":{}}');
    const bundle = await new MessageSignatureBundleBuilder({ signer: legacy.signer, witnesses: [] }).create({ data: payload });
    expect(verifyBundle(bundle, payload, { kind: 'key', publicKeys: [pair.publicKey] }).kind).toBe('key');
    expect(() => verifyBundle(bundle, Buffer.from('{"critical":{"x":1}}'), { kind: 'key', publicKeys: [pair.publicKey] })).toThrow(/does not/);
  });
});
