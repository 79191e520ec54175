/**
 * Signature checks from a digest alone agree with Node's own verification (OpenSSL) of the same
 * signatures over the artifact: valid ones pass, any changed digest or signature byte fails.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { prehashUnsupportedReason, verifyPrehashed, type PrehashAlgorithm } from './prehashed';

const keys: [string, { privateKey: KeyObject; publicKey: KeyObject }][] = [
  ['ECDSA P-256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ['ECDSA P-384', generateKeyPairSync('ec', { namedCurve: 'P-384' })],
  ['ECDSA P-521', generateKeyPairSync('ec', { namedCurve: 'P-521' })],
  ['RSA 2048', generateKeyPairSync('rsa', { modulusLength: 2048 })],
];

describe('verifying a signature from the artifact digest', () => {
  it.each(keys)('%s: accepts OpenSSL signatures over the artifact, for each hash', (_name, { privateKey, publicKey }) => {
    for (const hash of ['sha256', 'sha384', 'sha512'] as PrehashAlgorithm[]) {
      for (let i = 0; i < 5; i++) {
        const artifact = Buffer.from(`artifact ${hash} ${i}`);
        const signature = sign(hash, artifact, privateKey);
        const digest = createHash(hash).update(artifact).digest();
        expect(verifyPrehashed(publicKey, digest, signature, hash)).toBe(true);
      }
    }
  });

  it.each(keys)('%s: rejects another digest, a changed signature, another key', (_name, { privateKey, publicKey }) => {
    const artifact = Buffer.from('the artifact');
    const signature = sign('sha256', artifact, privateKey);
    const digest = createHash('sha256').update(artifact).digest();
    for (let bit = 0; bit < 8; bit++) {
      const otherDigest = Buffer.from(digest);
      otherDigest[bit * 4] ^= 1 << bit;
      expect(verifyPrehashed(publicKey, otherDigest, signature, 'sha256')).toBe(false);
    }
    const changed = Buffer.from(signature);
    changed[changed.length - 3] ^= 0x10;
    expect(verifyPrehashed(publicKey, digest, changed, 'sha256')).toBe(false);
    expect(verifyPrehashed(publicKey, digest, signature.subarray(0, signature.length - 1), 'sha256')).toBe(false);
    expect(verifyPrehashed(publicKey, digest, Buffer.alloc(0), 'sha256')).toBe(false);
    const other = keys.find(([, k]) => k.publicKey.asymmetricKeyType === publicKey.asymmetricKeyType && k.publicKey !== publicKey);
    if (other) expect(verifyPrehashed(other[1].publicKey, digest, signature, 'sha256')).toBe(false);
  });

  it('refuses an RSA signature whose DigestInfo names another hash', () => {
    const { privateKey, publicKey } = keys[3]![1];
    const artifact = Buffer.from('x');
    const signature = sign('sha384', artifact, privateKey);
    const sha384 = createHash('sha384').update(artifact).digest();
    expect(verifyPrehashed(publicKey, sha384, signature, 'sha384')).toBe(true);
    expect(verifyPrehashed(publicKey, sha384.subarray(0, 32), signature, 'sha256')).toBe(false);
  });

  it('says why an Ed25519 key cannot be checked from a digest', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    expect(prehashUnsupportedReason(publicKey)).toMatch(/signs the artifact itself.*pass the file instead/);
    expect(prehashUnsupportedReason(keys[0]![1].publicKey)).toBeUndefined();
  });
});
