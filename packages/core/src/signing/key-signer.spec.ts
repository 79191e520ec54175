/**
 * A key pair from `generateKeyPair` signs through the @sigstore/sign builders, and the signatures verify
 * with OpenSSL (an independent verifier, given only the written cosign.pub) and with the project's one
 * verifier (@sigstore/verify).
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder } from '@sigstore/sign';
import { makeTempDir, type TempDir } from '../config/test-support/temp-dir';
import { SecretRegistry } from '../exec/secrets';
import { keySigningSetup } from './key-signer';
import { generateKeyPair, loadPublicKey, loadSigningKey } from './keys';
import { IN_TOTO_PAYLOAD_TYPE } from './types';
import { verifyBundle } from './verifier';

let dir: TempDir;
beforeAll(async () => {
  dir = await makeTempDir();
});
afterAll(async () => {
  await dir.remove();
});

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir.root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Signs `payload` with the setup's signer and checks the raw signature with `openssl dgst -<hash> -verify PUB`. */
async function opensslVerifies(setup: ReturnType<typeof keySigningSetup>, pubFile: string, hash: string, name: string): Promise<string> {
  const payload = Buffer.from(`{"critical":{"type":"cosign container image signature","name":"${name}"}}`);
  const { signature } = await setup.signer.sign(payload);
  await writeFile(dir.path(`${name}.payload`), payload);
  await writeFile(dir.path(`${name}.sig`), signature);
  return openssl(['dgst', `-${hash}`, '-verify', pubFile, '-signature', `${name}.sig`, `${name}.payload`]).trim();
}

describe('keySigningSetup', () => {
  const password = 'signing-test-password';
  const registry = new SecretRegistry();

  it('signs with a generated cosign key pair so that `openssl dgst -sha256 -verify cosign.pub` accepts it', async () => {
    const pair = await generateKeyPair(password);
    await dir.write('cosign.key', pair.privateKeyPem);
    await dir.write('cosign.pub', pair.publicKeyPem);
    expect(openssl(['pkey', '-pubin', '-in', 'cosign.pub', '-noout', '-text'])).toContain('NIST CURVE: P-256');

    const key = await loadSigningKey('cosign.key', { env: { COSIGN_PASSWORD: password }, cwd: dir.root, registry });
    const setup = keySigningSetup(key.privateKey, key.publicKey, key.description);
    expect(setup).toMatchObject({ kind: 'key', witnesses: [], description: 'key cosign.key (ECDSA P-256)' });
    expect(await opensslVerifies(setup, 'cosign.pub', 'sha256', 'p256')).toBe('Verified OK');
  });

  it('puts the public key and cosign\'s hint (base64 SHA-256 of the DER SubjectPublicKeyInfo) in the signature', async () => {
    const key = await loadSigningKey('cosign.key', { env: { COSIGN_PASSWORD: password }, cwd: dir.root, registry });
    const { key: material } = await keySigningSetup(key.privateKey, key.publicKey, key.description).signer.sign(Buffer.from('x'));
    const der = execFileSync('openssl', ['pkey', '-pubin', '-in', 'cosign.pub', '-outform', 'DER'], { cwd: dir.root });
    const expectedHint = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der }).toString('base64');
    expect(material).toEqual({ $case: 'publicKey', publicKey: openssl(['pkey', '-pubin', '-in', 'cosign.pub']), hint: expectedHint });
  });

  it('signs P-384 with SHA-384 (cosign\'s default for the curve), or SHA-256 when asked (legacy signatures)', async () => {
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', 'p384.pem']);
    openssl(['pkey', '-in', 'p384.pem', '-pubout', '-out', 'p384.pub']);
    const key = await loadSigningKey('p384.pem', { env: {}, cwd: dir.root, registry });
    expect(await opensslVerifies(keySigningSetup(key.privateKey, key.publicKey, key.description), 'p384.pub', 'sha384', 'p384')).toBe('Verified OK');
    expect(await opensslVerifies(keySigningSetup(key.privateKey, key.publicKey, key.description, { hash: 'sha256' }), 'p384.pub', 'sha256', 'p384-legacy')).toBe(
      'Verified OK',
    );
  });

  it('signs RSA with PKCS#1 v1.5 and SHA-256', async () => {
    openssl(['genrsa', '-out', 'rsa.pem', '3072']);
    openssl(['pkey', '-in', 'rsa.pem', '-pubout', '-out', 'rsa.pub']);
    const key = await loadSigningKey('rsa.pem', { env: {}, cwd: dir.root, registry });
    expect(key.description).toBe('key rsa.pem (RSA 3072)');
    const setup = keySigningSetup(key.privateKey, key.publicKey, key.description);
    expect(await opensslVerifies(setup, 'rsa.pub', 'sha256', 'rsa')).toBe('Verified OK');
  });

  it('produces bundles (DSSE and message signature) that the verifier accepts with the public key and rejects with another', async () => {
    const key = await loadSigningKey('cosign.key', { env: { COSIGN_PASSWORD: password }, cwd: dir.root, registry });
    const setup = keySigningSetup(key.privateKey, key.publicKey, key.description);
    const publicKey = await loadPublicKey('cosign.pub', { env: {}, cwd: dir.root });
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;

    const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [], predicateType: 'x', predicate: {} }));
    const dsse = await new DSSEBundleBuilder({ signer: setup.signer, witnesses: setup.witnesses }).create({ data: statement, type: IN_TOTO_PAYLOAD_TYPE });
    expect(verifyBundle(dsse, undefined, { kind: 'key', publicKeys: [publicKey] })).toMatchObject({ kind: 'key', keyHint: dsse.verificationMaterial.content.$case === 'publicKey' ? dsse.verificationMaterial.content.publicKey.hint : 'missing' });
    expect(() => verifyBundle(dsse, undefined, { kind: 'key', publicKeys: [otherKey] })).toThrow(/does not verify with the given key/);

    const payload = Buffer.from('{"critical":{}}');
    const message = await new MessageSignatureBundleBuilder({ signer: setup.signer, witnesses: setup.witnesses }).create({ data: payload });
    expect(verifyBundle(message, payload, { kind: 'key', publicKeys: [otherKey, publicKey] }).kind).toBe('key');
    expect(() => verifyBundle(message, Buffer.from('{"critical":{"x":1}}'), { kind: 'key', publicKeys: [publicKey] })).toThrow();
  });

  it('refuses a public key that is not the private key\'s own half', () => {
    const a = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const b = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => keySigningSetup(a.privateKey, b.publicKey, 'key a.key (ECDSA P-256)')).toThrow(
      "the public key given for key a.key (ECDSA P-256) is not the private key's public half",
    );
  });
});
