/**
 * Loading keys by reference, as `--key` takes them: cosign's own key files (fixtures from
 * sigstore/cosign and sigstore/sigstore-rs, Apache-2.0, see $SHIPSHAPE_FIXTURES/README.md), keys
 * OpenSSL writes in every PEM form, env:// references and KMS URIs.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, type TempDir } from '../../config/test-support/temp-dir';
import { SecretRegistry } from '../../exec/secrets';
import { fixturesDir } from '../../test-support/test-env';
import { encryptCosignPrivateKey } from './cosign-encrypted';
import { loadPublicKey, loadSigningKey, type KeyLoadOptions } from './load';
import { shipshapeFailure } from '../../test-support/failures';

const cosignDir = path.join(fixturesDir(), 'cosign');

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let dir: TempDir;
let registry: SecretRegistry;
const options = (extra: Partial<KeyLoadOptions> = {}): KeyLoadOptions => ({ env: {}, cwd: dir.root, registry, ...extra });

beforeAll(async () => {
  dir = await makeTempDir();
  const run = (args: string[]) => openssl(args, dir.root);
  run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ec-sec1.pem']);
  run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', 'p384-pkcs8.pem']);
  run(['pkey', '-in', 'p384-pkcs8.pem', '-pubout', '-out', 'p384.pub']);
  run(['genrsa', '-traditional', '-out', 'rsa-pkcs1.pem', '2048']);
  run(['rsa', '-in', 'rsa-pkcs1.pem', '-RSAPublicKey_out', '-out', 'rsa-pkcs1.pub']);
  run(['genrsa', '-traditional', '-out', 'rsa1024.pem', '1024']);
  run(['genpkey', '-algorithm', 'ed25519', '-out', 'ed25519.pem']);
  run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-aes256', '-pass', 'pass:openssl-pw', '-out', 'pkcs8-encrypted.pem']);
  run(['genrsa', '-traditional', '-aes128', '-passout', 'pass:openssl-pw', '-out', 'rsa-legacy-encrypted.pem', '2048']);
  run(['req', '-x509', '-key', 'ec-sec1.pem', '-subj', '/CN=test', '-days', '1', '-out', 'cert.pem']);
});
afterAll(async () => {
  await dir.remove();
});
beforeEach(() => {
  registry = new SecretRegistry();
});

describe('loadSigningKey', () => {
  it.each([
    ['sigstore-label-p256.key', 'hello'],
    ['cosign-label-p256.key', 'hello'],
    ['cosign-generated-empty-password.key', ''],
  ])('loads the cosign key %s with COSIGN_PASSWORD and describes it', async (name, password) => {
    const loaded = await loadSigningKey(path.join(cosignDir, name), { env: { COSIGN_PASSWORD: password }, registry });
    expect(loaded.description).toBe(`key ${path.join(cosignDir, name)} (ECDSA P-256)`);
    expect(loaded.publicKey.type).toBe('public');
    expect(loaded.algorithm).toEqual({ description: 'ECDSA P-256', hash: 'sha256', keyDetails: 'PKIX_ECDSA_P256_SHA_256' });
  });

  it('prefers the password resolved from the configuration over COSIGN_PASSWORD, and registers it for redaction', async () => {
    const ref = path.join(cosignDir, 'sigstore-label-p256.key');
    await loadSigningKey(ref, { env: { COSIGN_PASSWORD: 'wrong-one' }, password: 'hello', registry });
    expect(registry.redact('password is hello')).toBe('password is ***');
  });

  it('rejects the SEC1-inside cosign key, as cosign does', async () => {
    const error = await shipshapeFailure(loadSigningKey('cosign-label-sec1-reject.key', { env: { COSIGN_PASSWORD: 'hello' }, cwd: cosignDir, registry }));
    expect(error.describe()).toMatch(/^cosign-label-sec1-reject\.key: the decrypted key is a SEC1 EC private key, not PKCS#8/);
    expect(error.exitCode).toBe(2);
  });

  it('says "wrong password" for a wrong COSIGN_PASSWORD, and the password appears nowhere', async () => {
    const password = 'definitely-wrong-password';
    const error = await shipshapeFailure(loadSigningKey('sigstore-label-p256.key', { env: { COSIGN_PASSWORD: password }, cwd: cosignDir, registry }));
    expect(error.describe()).toMatch(/^sigstore-label-p256\.key: wrong password: the private key could not be decrypted\n {2}hint: set COSIGN_PASSWORD/);
    expect(JSON.stringify({ message: error.describe(), stack: error.stack })).not.toContain(password);
    expect(registry.redact(`echo ${password}`)).toBe('echo ***');
  });

  it('asks for COSIGN_PASSWORD when an encrypted key has none', async () => {
    const error = await shipshapeFailure(loadSigningKey('sigstore-label-p256.key', { env: {}, cwd: cosignDir, registry }));
    expect(error.kind).toBe('config');
    expect(error.describe()).toBe(
      'sigstore-label-p256.key: the private key is encrypted and no password is set\n  hint: set COSIGN_PASSWORD (empty for a key created without a password), or point `signing.password` at env://VAR or file://PATH',
    );
  });

  it.each([
    ['ec-sec1.pem', 'ECDSA P-256'],
    ['p384-pkcs8.pem', 'ECDSA P-384'],
    ['rsa-pkcs1.pem', 'RSA 2048'],
  ])('loads the unencrypted OpenSSL key %s (%s) without a password', async (name, description) => {
    const loaded = await loadSigningKey(name, options());
    expect(loaded.description).toBe(`key ${name} (${description})`);
    // The matching public key OpenSSL derived is the one we derive.
    const derived = openssl(['pkey', '-in', name, '-pubout'], dir.root);
    expect(loaded.publicKey.export({ type: 'spki', format: 'pem' })).toBe(derived);
    // Plain private key text is secret.
    const body = readFileSync(dir.path(name), 'utf8').split('\n')[1]!;
    expect(registry.redact(body)).toBe('***');
  });

  it.each([
    ['ed25519.pem', 'Ed25519 keys are not supported natively (cosign signs them with Ed25519ph, which Node cannot produce); sign with the cosign backend'],
    ['rsa1024.pem', 'unsupported RSA key size 1024 bits: cosign accepts 2048, 3072 or 4096'],
    ['pkcs8-encrypted.pem', 'the key is an OpenSSL-encrypted PKCS#8 key, which cosign does not read'],
    ['rsa-legacy-encrypted.pem', "the key is encrypted with OpenSSL's legacy PEM encryption, which cosign does not read"],
    ['cert.pem', 'expected a private or public key, found a certificate'],
    ['p384.pub', 'this is a public key; signing needs the private key (e.g. cosign.key, not cosign.pub)'],
  ])('refuses %s with a clear message naming the file', async (name, message) => {
    const error = await shipshapeFailure(loadSigningKey(name, options()));
    expect(error.describe().startsWith(`${name}: ${message}`)).toBe(true);
    expect(error.exitCode).toBe(2);
  });

  it('names a corrupt, an empty and a missing file', async () => {
    const cosignKey = readFileSync(path.join(cosignDir, 'sigstore-label-p256.key'), 'utf8');
    await dir.write('truncated.key', cosignKey.slice(0, 200));
    await dir.write('empty.key', '');
    await dir.write('garbage.key', cosignKey.replace(/^(eyJr.{6})./m, '$1*'));
    const describe = async (name: string) => (await shipshapeFailure(loadSigningKey(name, options({ env: { COSIGN_PASSWORD: 'hello' } })))).describe();
    expect(await describe('truncated.key')).toBe('truncated.key: the PEM block "ENCRYPTED SIGSTORE PRIVATE KEY" has no END line; the file is truncated');
    expect(await describe('empty.key')).toMatch(/^empty\.key: not a PEM key/);
    expect(await describe('garbage.key')).toMatch(/^garbage\.key: the body of the PEM block "ENCRYPTED SIGSTORE PRIVATE KEY" is not valid base64/);
    expect(await describe('missing.key')).toMatch(new RegExp(`^missing\\.key: the key file does not exist \\(looked for ${dir.path('missing.key').replace(/[.]/g, '\\.')}\\)\\n {2}hint: create a key pair`));
    expect(await describe('.')).toBe('.: the key path is not a regular file');
  });

  describe('env:// references', () => {
    it('loads a cosign key from a variable and registers the key text as a secret', async () => {
      const pem = readFileSync(path.join(cosignDir, 'cosign-label-p256.key'), 'utf8');
      const loaded = await loadSigningKey('env://MY_SIGNING_KEY', { env: { MY_SIGNING_KEY: pem, COSIGN_PASSWORD: 'hello' }, registry });
      expect(loaded.description).toBe('key env://MY_SIGNING_KEY (ECDSA P-256)');
      const bodyLine = pem.split('\n')[2]!;
      expect(registry.redact(`key: ${bodyLine}`)).toBe('key: ***');
    });

    it('loads an unencrypted PKCS#8 key from a variable', async () => {
      const pem = readFileSync(dir.path('p384-pkcs8.pem'), 'utf8');
      const loaded = await loadSigningKey('env://KEY_PEM', options({ env: { KEY_PEM: pem } }));
      expect(loaded.algorithm.description).toBe('ECDSA P-384');
      expect(registry.redact(pem)).not.toContain(pem.split('\n')[1]);
    });

    it('says when the variable is unset or empty, and when it holds base64 instead of PEM', async () => {
      expect((await shipshapeFailure(loadSigningKey('env://NOPE', options()))).describe()).toMatch(/^env:\/\/NOPE: environment variable NOPE is not set\n {2}hint: put the key's PEM text/);
      expect((await shipshapeFailure(loadSigningKey('env://BLANK', options({ env: { BLANK: ' \n' } })))).describe()).toMatch(/^env:\/\/BLANK: environment variable BLANK is empty/);
      const base64 = Buffer.from(readFileSync(dir.path('ec-sec1.pem'))).toString('base64');
      const error = await shipshapeFailure(loadSigningKey('env://B64', options({ env: { B64: base64 } })));
      expect(error.describe()).toMatch(/^env:\/\/B64: not a PEM key .*\n {2}hint: the variable must hold the PEM text itself.*base64-encoded, decode it first/);
      expect(error.describe()).not.toContain(base64.slice(0, 20));
    });
  });

  describe('KMS references', () => {
    it.each(['awskms:///arn:aws:kms:us-east-1:111122223333:key/abc', 'gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k', 'azurekms://vault.vault.azure.net/key', 'hashivault://transit-key'])(
      'sends %s to the cosign backend',
      async (ref) => {
        for (const load of [loadSigningKey, loadPublicKey]) {
          const error = await shipshapeFailure(load(ref, options()));
          expect(error.kind).toBe('config');
          expect(error.describe()).toBe(
            `${ref}: ${ref.split(':')[0]}:// keys live in a KMS and are used through the cosign backend\n  hint: set \`signing.tool: cosign\` in security.yaml (cosign on PATH, with the KMS credentials in its environment)`,
          );
        }
      },
    );

    it('rejects other schemes and pasted keys without quoting them', async () => {
      expect((await shipshapeFailure(loadSigningKey('k8s://ns/secret', options()))).describe()).toMatch(/^invalid key reference: unsupported key scheme `k8s:\/\/`/);
      const pasted = readFileSync(dir.path('ec-sec1.pem'), 'utf8');
      const error = await shipshapeFailure(loadSigningKey(pasted, options()));
      expect(error.describe()).toMatch(/^invalid key reference: a key cannot be pasted into the configuration/);
      expect(error.describe()).not.toContain(pasted.split('\n')[1]);
    });
  });
});

describe('loadPublicKey', () => {
  it.each([
    ['p384.pub', 'a PUBLIC KEY file'],
    ['rsa-pkcs1.pub', 'an RSA PUBLIC KEY (PKCS#1) file'],
    ['rsa-pkcs1.pem', 'the public half of an unencrypted private key'],
  ])('reads %s (%s)', async (name) => {
    const key = await loadPublicKey(name, options());
    const viaOpenssl = openssl(['pkey', '-pubout', ...(name.endsWith('.pub') ? ['-pubin'] : []), '-in', name], dir.root);
    expect(key.export({ type: 'spki', format: 'pem' })).toBe(viaOpenssl);
  });

  it('derives the public key of a cosign.key with its password, and reads a public key from env:// without masking it', async () => {
    const fromPrivate = await loadPublicKey(path.join(cosignDir, 'cosign-label-p256.key'), { env: {}, password: 'hello', registry });
    const pem = fromPrivate.export({ type: 'spki', format: 'pem' }).toString();
    const fromEnv = await loadPublicKey('env://COSIGN_PUBLIC_KEY', options({ env: { COSIGN_PUBLIC_KEY: pem } }));
    expect(fromEnv.equals(fromPrivate)).toBe(true);
    expect(registry.redact(pem)).toBe(pem);
  });

  it('refuses an Ed25519 public key and a damaged one', async () => {
    await dir.write('ed25519.pub', openssl(['pkey', '-in', 'ed25519.pem', '-pubout'], dir.root));
    expect((await shipshapeFailure(loadPublicKey('ed25519.pub', options()))).describe()).toMatch(/^ed25519\.pub: Ed25519 keys are not supported natively/);
    await dir.write('damaged.pub', '-----BEGIN PUBLIC KEY-----\nAAAAAAAA\n-----END PUBLIC KEY-----\n');
    expect((await shipshapeFailure(loadPublicKey('damaged.pub', options()))).describe()).toBe(
      'damaged.pub: the PEM block "PUBLIC KEY" does not hold a valid public key; the file is damaged',
    );
  });

  it('reads a key our encryption wrote, with the password in the configuration', async () => {
    const { privateKey } = await loadSigningKey('p384-pkcs8.pem', options());
    await dir.write('mine.key', await encryptCosignPrivateKey(privateKey, 'configured-pw'));
    const publicKey = await loadPublicKey('mine.key', options({ password: 'configured-pw' }));
    expect(publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
  });
});
