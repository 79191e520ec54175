/**
 * cosign's encrypted private key format (sigstore/cosign pkg/cosign/keys.go over
 * go-securesystemslib `encrypted`): a PEM block labelled `ENCRYPTED SIGSTORE PRIVATE KEY` (current) or
 * `ENCRYPTED COSIGN PRIVATE KEY` (older) whose body is the JSON
 *   {"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":B64},
 *    "cipher":{"name":"nacl/secretbox","nonce":B64},"ciphertext":B64}
 * (Go's encoding of []byte: standard base64, padded). The key is scrypt(password, salt, 32 bytes);
 * the ciphertext is NaCl secretbox; the plaintext is a PKCS#8 DER private key.
 */
import { createHash, createPrivateKey, randomBytes, scrypt as scryptCallback, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import nacl from 'tweetnacl';
import { z } from 'zod';
import { ShipshapeError } from '../../errors';
import { decodePem, encodePem } from './pem';

export const SIGSTORE_PRIVATE_KEY_LABEL = 'ENCRYPTED SIGSTORE PRIVATE KEY';
export const COSIGN_PRIVATE_KEY_LABEL = 'ENCRYPTED COSIGN PRIVATE KEY';
export const ENCRYPTED_KEY_LABELS: readonly string[] = [SIGSTORE_PRIVATE_KEY_LABEL, COSIGN_PRIVATE_KEY_LABEL];

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * The only parameters go-securesystemslib accepts (legacy, standard, OWASP): checking them first
 * keeps a tampered file from making us burn unbounded memory and time. New keys use "standard",
 * as `cosign generate-key-pair` does.
 */
const ACCEPTED_PARAMS: readonly ScryptParams[] = [
  { N: 32768, r: 8, p: 1 },
  { N: 65536, r: 8, p: 1 },
  { N: 131072, r: 8, p: 1 },
];
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { N: 65536, r: 8, p: 1 };

const SALT_BYTES = 32;
const KEY_BYTES = nacl.secretbox.keyLength;
const NONCE_BYTES = nacl.secretbox.nonceLength;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64').transform((text) => Buffer.from(text, 'base64'));

const envelopeSchema = z.object({
  kdf: z.object({
    name: z.string(),
    params: z.object({ N: z.number().int(), r: z.number().int(), p: z.number().int() }),
    salt: base64,
  }),
  cipher: z.object({ name: z.string(), nonce: base64 }),
  ciphertext: base64,
});

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, length: number, options: object) => Promise<Buffer>;

async function deriveKey(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is below cosign's standard N=65536 (64 MiB).
  return scrypt(password, salt, KEY_BYTES, { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r });
}

/** Encrypts a private key as `cosign generate-key-pair` does (random salt and nonce, scrypt N=65536). */
export async function encryptCosignPrivateKey(privateKey: KeyObject, password: string, label: string = SIGSTORE_PRIVATE_KEY_LABEL): Promise<string> {
  const plaintext = privateKey.export({ type: 'pkcs8', format: 'der' });
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const key = await deriveKey(password, salt, DEFAULT_SCRYPT_PARAMS);
  const ciphertext = Buffer.from(nacl.secretbox(plaintext, nonce, key));
  // Field order and compact form as Go's json.Marshal writes the struct.
  const json = JSON.stringify({
    kdf: { name: 'scrypt', params: DEFAULT_SCRYPT_PARAMS, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: ciphertext.toString('base64'),
  });
  return encodePem(label, Buffer.from(json));
}

/**
 * Decrypts a cosign private key. `where` (a path or `env://VAR`) is named in every error; the
 * password never is. Rejects what cosign rejects: other labels, other KDF or cipher names, other
 * scrypt parameters, and plaintexts that are not PKCS#8 (a SEC1 `EC PRIVATE KEY` inside, for one).
 */
export function decryptCosignPrivateKey(pem: string, password: string, where: string): Promise<KeyObject> {
  // scrypt with cosign's parameters costs ~100 ms of CPU and 64 MiB; a batch of Nx tasks (or sign
  // then verify) in one process decrypts the same key once. Kept in memory only, failures not kept.
  const id = createHash('sha256').update(where).update('\0').update(pem).update('\0').update(password).digest('hex');
  let decrypted = decryptedKeys.get(id);
  if (!decrypted) {
    decrypted = decrypt(pem, password, where);
    decryptedKeys.set(id, decrypted);
    decrypted.catch(() => decryptedKeys.delete(id));
  }
  return decrypted;
}

const decryptedKeys = new Map<string, Promise<KeyObject>>();

async function decrypt(pem: string, password: string, where: string): Promise<KeyObject> {
  const block = decodePem(pem, where);
  if (!block) throw new ShipshapeError('input', 'not a PEM file (no -----BEGIN ...----- line)', { where });
  if (!ENCRYPTED_KEY_LABELS.includes(block.label)) {
    throw new ShipshapeError('input', `expected a cosign private key (${SIGSTORE_PRIVATE_KEY_LABEL}), found a PEM block "${block.label}"`, { where });
  }
  const envelope = parseEnvelope(block.der, where);
  const { kdf, cipher } = envelope;
  if (kdf.name !== 'scrypt') throw corrupt(`unsupported key derivation "${kdf.name}" (cosign keys use scrypt)`, where);
  if (cipher.name !== 'nacl/secretbox') throw corrupt(`unsupported cipher "${cipher.name}" (cosign keys use nacl/secretbox)`, where);
  if (!ACCEPTED_PARAMS.some((p) => p.N === kdf.params.N && p.r === kdf.params.r && p.p === kdf.params.p)) {
    throw corrupt(`unsupported scrypt parameters N=${kdf.params.N}, r=${kdf.params.r}, p=${kdf.params.p} (cosign accepts N=32768, 65536 or 131072 with r=8, p=1)`, where);
  }
  if (cipher.nonce.length !== NONCE_BYTES) throw corrupt(`the secretbox nonce is ${cipher.nonce.length} bytes, not ${NONCE_BYTES}`, where);

  const key = await deriveKey(password, kdf.salt, kdf.params);
  const opened = nacl.secretbox.open(envelope.ciphertext, cipher.nonce, key);
  if (!opened) {
    // Authenticated encryption cannot tell a wrong password from a modified ciphertext; the first is what happens.
    throw new ShipshapeError('input', 'wrong password: the private key could not be decrypted', {
      where,
      hint: 'set COSIGN_PASSWORD (or signing.password) to the password the key was created with; an empty value means no password',
    });
  }
  return parsePkcs8(Buffer.from(opened), where);
}

function parseEnvelope(der: Buffer, where: string): z.infer<typeof envelopeSchema> {
  let json: unknown;
  try {
    json = JSON.parse(der.toString('utf8'));
  } catch {
    throw corrupt('the PEM body is not the JSON cosign writes (kdf, cipher, ciphertext)', where);
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`).join('; ');
    throw corrupt(`the encrypted key is incomplete or malformed (${problems})`, where);
  }
  return parsed.data;
}

function parsePkcs8(plaintext: Buffer, where: string): KeyObject {
  try {
    return createPrivateKey({ key: plaintext, format: 'der', type: 'pkcs8' });
  } catch {
    // cosign parses the plaintext with x509.ParsePKCS8PrivateKey only; say what it is when we can tell.
    if (isSec1(plaintext)) {
      throw new ShipshapeError('input', 'the decrypted key is a SEC1 EC private key, not PKCS#8 as cosign requires (cosign rejects this file too)', {
        where,
        hint: 'convert it to PKCS#8 (`openssl pkcs8 -topk8 -nocrypt`) and re-import it with `cosign import-key-pair`, or generate a new pair with `shipshape key generate`',
      });
    }
    throw new ShipshapeError('input', 'the decrypted key is not a PKCS#8 private key; the file was not written by cosign or is damaged', { where });
  }
}

function isSec1(der: Buffer): boolean {
  try {
    createPrivateKey({ key: der, format: 'der', type: 'sec1' });
    return true;
  } catch {
    return false;
  }
}

function corrupt(problem: string, where: string): ShipshapeError {
  return new ShipshapeError('input', `not a usable cosign private key: ${problem}`, { where });
}
