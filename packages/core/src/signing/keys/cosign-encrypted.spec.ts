/**
 * cosign's encrypted key format, against keys cosign itself wrote. Fixtures: $SHIPSHAPE_FIXTURES/cosign
 * (sigstore/cosign pkg/cosign/keys_test.go and sigstore/sigstore-rs tests/data/keys, Apache-2.0);
 * passwords and expected outcomes from the fixtures README.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fixturesDir } from '../../test-support/test-env';
import { COSIGN_PRIVATE_KEY_LABEL, decryptCosignPrivateKey, encryptCosignPrivateKey, SIGSTORE_PRIVATE_KEY_LABEL } from './cosign-encrypted';
import { decodePem, encodePem } from './pem';
import { shipshapeFailure } from '../../test-support/failures';

const fixture = (name: string) => readFileSync(path.join(fixturesDir(), 'cosign', name), 'utf8');

function envelopeOf(pem: string): Record<string, Record<string, unknown> | string> {
  return JSON.parse(decodePem(pem, 'test')!.der.toString('utf8'));
}

function rewrap(pem: string, change: (envelope: ReturnType<typeof envelopeOf>) => void): string {
  const envelope = envelopeOf(pem);
  change(envelope);
  return encodePem(decodePem(pem, 'test')!.label, Buffer.from(JSON.stringify(envelope)));
}

describe('decryptCosignPrivateKey on keys written by cosign', () => {
  it.each([
    ['sigstore-label-p256.key', 'hello'],
    ['cosign-label-p256.key', 'hello'],
    ['cosign-generated-empty-password.key', ''],
  ])('loads %s as an ECDSA P-256 private key', async (name, password) => {
    const key = await decryptCosignPrivateKey(fixture(name), password, name);
    expect(key.type).toBe('private');
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('decrypts a key once per process for the same password (a batch of Nx tasks signs with one key), and never remembers a failure', async () => {
    const pem = fixture('sigstore-label-p256.key');
    const first = await decryptCosignPrivateKey(pem, 'hello', 'cosign.key');
    expect(await decryptCosignPrivateKey(pem, 'hello', 'cosign.key')).toBe(first);
    expect((await shipshapeFailure(decryptCosignPrivateKey(pem, 'wrong', 'cosign.key'))).message).toMatch(/wrong password/);
    expect((await shipshapeFailure(decryptCosignPrivateKey(pem, 'wrong', 'cosign.key'))).message).toMatch(/wrong password/);
  });

  it('reads a key with CRLF line endings and text around the PEM block (as pasted into a CI secret)', async () => {
    const pasted = `my signing key:\r\n${fixture('sigstore-label-p256.key').replace(/\n/g, '\r\n')}\r\n`;
    await expect(decryptCosignPrivateKey(pasted, 'hello', 'env://KEY')).resolves.toMatchObject({ asymmetricKeyType: 'ec' });
  });

  it('rejects the key whose plaintext is SEC1, not PKCS#8, saying so and naming the file', async () => {
    const error = await shipshapeFailure(decryptCosignPrivateKey(fixture('cosign-label-sec1-reject.key'), 'hello', 'cosign-label-sec1-reject.key'));
    expect(error.kind).toBe('input');
    expect(error.describe()).toMatch(/^cosign-label-sec1-reject\.key: the decrypted key is a SEC1 EC private key, not PKCS#8 as cosign requires/);
    expect(error.hint).toContain('cosign import-key-pair');
  });

  it.each(['sigstore-label-p256.key', 'cosign-generated-empty-password.key'])('says "wrong password" for %s with another password, never quoting it', async (name) => {
    const password = 'not-the-password-7f3a';
    const error = await shipshapeFailure(decryptCosignPrivateKey(fixture(name), password, name));
    expect(error.kind).toBe('input');
    expect(error.describe()).toMatch(new RegExp(`^${name.replace(/\./g, '\\.')}: wrong password`));
    expect(`${error.describe()} ${error.stack}`).not.toContain(password);
  });

  it('refuses scrypt parameters cosign does not accept before deriving anything (a tampered file cannot demand 2^30 work)', async () => {
    const tampered = rewrap(fixture('sigstore-label-p256.key'), (e) => {
      (e.kdf as { params: { N: number } }).params.N = 2 ** 30;
    });
    const error = await shipshapeFailure(decryptCosignPrivateKey(tampered, 'hello', 'tampered.key'));
    expect(error.describe()).toBe(
      'tampered.key: not a usable cosign private key: unsupported scrypt parameters N=1073741824, r=8, p=1 (cosign accepts N=32768, 65536 or 131072 with r=8, p=1)',
    );
  });

  it.each([
    ['an unknown KDF', (e: ReturnType<typeof envelopeOf>) => ((e.kdf as { name: string }).name = 'argon2'), 'unsupported key derivation "argon2"'],
    ['an unknown cipher', (e: ReturnType<typeof envelopeOf>) => ((e.cipher as { name: string }).name = 'aes-gcm'), 'unsupported cipher "aes-gcm"'],
    ['a short nonce', (e: ReturnType<typeof envelopeOf>) => ((e.cipher as { nonce: string }).nonce = 'AAAA'), 'the secretbox nonce is 3 bytes, not 24'],
    ['a missing ciphertext', (e: ReturnType<typeof envelopeOf>) => delete (e as Record<string, unknown>).ciphertext, 'ciphertext:'],
  ])('names the problem for %s', async (_case, change, expected) => {
    const error = await shipshapeFailure(decryptCosignPrivateKey(rewrap(fixture('sigstore-label-p256.key'), change), 'hello', 'bad.key'));
    expect(error.kind).toBe('input');
    expect(error.describe()).toContain(`bad.key: not a usable cosign private key: `);
    expect(error.describe()).toContain(expected);
  });

  it('reports a body that is not cosign JSON, and a truncated PEM, naming the file', async () => {
    const notJson = encodePem(SIGSTORE_PRIVATE_KEY_LABEL, Buffer.from('this is not json'));
    expect((await shipshapeFailure(decryptCosignPrivateKey(notJson, 'hello', 'a.key'))).describe()).toBe(
      'a.key: not a usable cosign private key: the PEM body is not the JSON cosign writes (kdf, cipher, ciphertext)',
    );
    const truncated = fixture('sigstore-label-p256.key').split('\n').slice(0, 4).join('\n');
    expect((await shipshapeFailure(decryptCosignPrivateKey(truncated, 'hello', 'b.key'))).describe()).toBe('b.key: the PEM block "ENCRYPTED SIGSTORE PRIVATE KEY" has no END line; the file is truncated');
    const damaged = fixture('sigstore-label-p256.key').replace(/^eyJr/m, 'ey!r');
    expect((await shipshapeFailure(decryptCosignPrivateKey(damaged, 'hello', 'c.key'))).describe()).toContain('c.key: the body of the PEM block "ENCRYPTED SIGSTORE PRIVATE KEY" is not valid base64');
  });

  it('treats a modified ciphertext like a wrong password (secretbox authenticates)', async () => {
    const flipped = rewrap(fixture('sigstore-label-p256.key'), (e) => {
      const bytes = Buffer.from(e.ciphertext as string, 'base64');
      bytes[bytes.length - 1]! ^= 1;
      e.ciphertext = bytes.toString('base64');
    });
    expect((await shipshapeFailure(decryptCosignPrivateKey(flipped, 'hello', 'flipped.key'))).describe()).toMatch(/^flipped\.key: wrong password/);
  });
});

describe('encryptCosignPrivateKey', () => {
  const keys: [string, KeyObject][] = [
    ['ECDSA P-256', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey],
    ['ECDSA P-384', generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey],
    ['RSA 2048', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey],
  ];

  it.each(keys)('round-trips a %s key', async (_name, privateKey) => {
    const pem = await encryptCosignPrivateKey(privateKey, 'round-trip-pw');
    const back = await decryptCosignPrivateKey(pem, 'round-trip-pw', 'memory');
    expect(back.export({ type: 'pkcs8', format: 'der' })).toEqual(privateKey.export({ type: 'pkcs8', format: 'der' }));
    expect(createPublicKey(back).export({ type: 'spki', format: 'pem' })).toBe(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }));
  });

  it('writes what cosign generate-key-pair writes: the SIGSTORE label, 64-column PEM, compact JSON in Go field order, scrypt N=65536, fresh salt and nonce', async () => {
    const [, privateKey] = keys[0]!;
    const first = await encryptCosignPrivateKey(privateKey, '');
    const second = await encryptCosignPrivateKey(privateKey, '');
    const lines = first.trimEnd().split('\n');
    expect(lines[0]).toBe('-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----');
    expect(lines.at(-1)).toBe('-----END ENCRYPTED SIGSTORE PRIVATE KEY-----');
    expect(lines.slice(1, -2).every((line) => line.length === 64)).toBe(true);
    const json = decodePem(first, 'first')!.der.toString('utf8');
    expect(json).toMatch(
      /^\{"kdf":\{"name":"scrypt","params":\{"N":65536,"r":8,"p":1\},"salt":"[A-Za-z0-9+/]{43}="\},"cipher":\{"name":"nacl\/secretbox","nonce":"[A-Za-z0-9+/]{32}"\},"ciphertext":"[A-Za-z0-9+/=]+"\}$/,
    );
    const [a, b] = [envelopeOf(first), envelopeOf(second)];
    expect((a.kdf as { salt: string }).salt).not.toBe((b.kdf as { salt: string }).salt);
    expect((a.cipher as { nonce: string }).nonce).not.toBe((b.cipher as { nonce: string }).nonce);
  });

  it('can write the older COSIGN label, which still decrypts', async () => {
    const pem = await encryptCosignPrivateKey(keys[0]![1], 'pw-old-label', COSIGN_PRIVATE_KEY_LABEL);
    expect(pem.startsWith('-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n')).toBe(true);
    await expect(decryptCosignPrivateKey(pem, 'pw-old-label', 'old.key')).resolves.toBeDefined();
  });
});
