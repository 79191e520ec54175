/**
 * Loading keys from the references cosign accepts (`--key`): a file path, `env://VAR` (the PEM in a
 * variable, as CI secret stores provide it) or a KMS URI, which only the cosign backend can use.
 * Files hold a cosign encrypted key, an unencrypted PEM private key (PKCS#8, SEC1 `EC PRIVATE KEY`,
 * PKCS#1 `RSA PRIVATE KEY`) or a public key (`PUBLIC KEY`, `RSA PUBLIC KEY`).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { keyReferenceProblem, parseKeyReference, type KeyReference } from '../../config/key-reference';
import { ShipshapeError } from '../../errors';
import { secrets as processSecrets, type SecretRegistry } from '../../exec/secrets';
import { decryptCosignPrivateKey, ENCRYPTED_KEY_LABELS } from './cosign-encrypted';
import { keyAlgorithm, type KeyAlgorithm } from './key-types';
import { decodePem, type PemBlock } from './pem';

export interface KeyLoadOptions {
  /** Where `env://` references and COSIGN_PASSWORD are read. */
  env: NodeJS.ProcessEnv;
  /**
   * The key's password, already resolved from the configuration's secret source (`resolveSecret`).
   * Unset means COSIGN_PASSWORD, as cosign does; an empty string is a key without password.
   */
  password?: string;
  /** Relative file paths are resolved against this (default: the process's working directory). */
  cwd?: string;
  /** Where secrets are registered for redaction (default: the process-wide registry). */
  registry?: SecretRegistry;
}

export interface LoadedSigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** "key cosign.key (ECDSA P-256)": for output, never secret. */
  description: string;
  algorithm: KeyAlgorithm;
}

/** Key files are a few kilobytes; anything much bigger is a wrong path, not a key. */
const MAX_KEY_BYTES = 64 * 1024;

const PRIVATE_LABELS: Record<string, 'pkcs8' | 'sec1' | 'pkcs1'> = {
  'PRIVATE KEY': 'pkcs8',
  'EC PRIVATE KEY': 'sec1',
  'RSA PRIVATE KEY': 'pkcs1',
};
const PUBLIC_LABELS: Record<string, 'spki' | 'pkcs1'> = {
  'PUBLIC KEY': 'spki',
  'RSA PUBLIC KEY': 'pkcs1',
};

/** Loads a private key to sign with (and its public half). */
export async function loadSigningKey(ref: string, options: KeyLoadOptions): Promise<LoadedSigningKey> {
  const material = await readKeyMaterial(ref, options);
  const block = pemBlock(material);
  if (PUBLIC_LABELS[block.label]) {
    throw new ShipshapeError('input', 'this is a public key; signing needs the private key (e.g. cosign.key, not cosign.pub)', { where: material.where });
  }
  const privateKey = await privateKeyFrom(block, material, options);
  const algorithm = supported(privateKey, material.where);
  return { privateKey, publicKey: createPublicKey(privateKey), description: `key ${material.where} (${algorithm.description})`, algorithm };
}

/**
 * Loads a public key to verify with: a public key, or the public half of a private key (a cosign.key
 * needs its password for that, as with cosign public-key).
 */
export async function loadPublicKey(ref: string, options: KeyLoadOptions): Promise<KeyObject> {
  const material = await readKeyMaterial(ref, options);
  const block = pemBlock(material);
  const publicType = PUBLIC_LABELS[block.label];
  let publicKey: KeyObject;
  if (publicType) {
    try {
      publicKey = createPublicKey({ key: block.der, format: 'der', type: publicType });
    } catch {
      throw new ShipshapeError('input', `the PEM block "${block.label}" does not hold a valid public key; the file is damaged`, { where: material.where });
    }
  } else {
    publicKey = createPublicKey(await privateKeyFrom(block, material, options));
  }
  supported(publicKey, material.where);
  return publicKey;
}

/** Describes a key for output, e.g. "ECDSA P-256" (or undefined when unsupported). */
export function describeKey(key: KeyObject): string | undefined {
  const result = keyAlgorithm(key);
  return 'algorithm' in result ? result.algorithm.description : undefined;
}

interface KeyMaterial {
  text: string;
  /** The reference as the user wrote it (a path or env://VAR): safe to print. */
  where: string;
  /** Whether the text came from an environment variable, which tells how to fix it when it is wrong. */
  fromEnv: boolean;
}

async function readKeyMaterial(ref: string, options: KeyLoadOptions): Promise<KeyMaterial> {
  const problem = keyReferenceProblem(ref);
  // The reference is never quoted: a mistake can be a pasted key.
  if (problem) throw new ShipshapeError('usage', `invalid key reference: ${problem}`);
  const reference = parseKeyReference(ref) as KeyReference;
  if (reference.kind === 'kms') {
    throw new ShipshapeError('config', `${reference.scheme}:// keys live in a KMS and are used through the cosign backend`, {
      where: ref,
      hint: 'set `signing.tool: cosign` in security.yaml (cosign on PATH, with the KMS credentials in its environment)',
    });
  }
  if (reference.kind === 'env') {
    const text = options.env[reference.variable];
    if (text === undefined || text.trim() === '') {
      throw new ShipshapeError('config', `environment variable ${reference.variable} is ${text === undefined ? 'not set' : 'empty'}`, {
        where: ref,
        hint: `put the key's PEM text (e.g. the content of cosign.key) in ${reference.variable}, from a CI secret`,
      });
    }
    // Key material in a variable is secret (unless it is only a public key): mask it wherever it could show.
    if (!/^\s*-----BEGIN (RSA )?PUBLIC KEY-----/.test(text)) (options.registry ?? processSecrets).add(text);
    return { text, where: ref, fromEnv: true };
  }
  const file = path.resolve(options.cwd ?? process.cwd(), reference.path);
  return { text: await readKeyFile(file, ref), where: ref, fromEnv: false };
}

async function readKeyFile(file: string, where: string): Promise<string> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new ShipshapeError('input', 'the key path is not a regular file', { where });
    if (info.size > MAX_KEY_BYTES) {
      throw new ShipshapeError('input', `the key file is ${info.size} bytes; a key file is at most ${MAX_KEY_BYTES / 1024} KiB — is this the right path?`, { where });
    }
    return await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof ShipshapeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable' : `cannot be read (${code ?? 'error'})`;
    throw new ShipshapeError('input', `the key file ${what}${code === 'ENOENT' ? ` (looked for ${file})` : ''}`, {
      where,
      hint: code === 'ENOENT' ? 'create a key pair with `shipshape key generate` (or `cosign generate-key-pair`), or fix the path' : undefined,
    });
  }
}

function pemBlock(material: KeyMaterial): PemBlock {
  const block = decodePem(material.text, material.where);
  if (block) return block;
  const hint = material.fromEnv
    ? 'the variable must hold the PEM text itself (-----BEGIN ...); if your CI stores it base64-encoded, decode it first'
    : 'expected a PEM key file such as cosign.key / cosign.pub from `cosign generate-key-pair` or `shipshape key generate`';
  throw new ShipshapeError('input', 'not a PEM key (no -----BEGIN ...----- line)', { where: material.where, hint });
}

async function privateKeyFrom(block: PemBlock, material: KeyMaterial, options: KeyLoadOptions): Promise<KeyObject> {
  const { where } = material;
  if (ENCRYPTED_KEY_LABELS.includes(block.label)) {
    const password = options.password ?? options.env.COSIGN_PASSWORD;
    if (password === undefined) {
      throw new ShipshapeError('config', 'the private key is encrypted and no password is set', {
        where,
        hint: 'set COSIGN_PASSWORD (empty for a key created without a password), or point `signing.password` at env://VAR or file://PATH',
      });
    }
    (options.registry ?? processSecrets).add(password);
    return decryptCosignPrivateKey(material.text, password, where);
  }
  if (block.headers['Proc-Type']?.includes('ENCRYPTED')) {
    throw new ShipshapeError('input', "the key is encrypted with OpenSSL's legacy PEM encryption, which cosign does not read", {
      where,
      hint: 'import it into cosign\'s format with `cosign import-key-pair --key FILE` (it asks for the old password and a new one)',
    });
  }
  if (block.label === 'ENCRYPTED PRIVATE KEY') {
    throw new ShipshapeError('input', 'the key is an OpenSSL-encrypted PKCS#8 key, which cosign does not read', {
      where,
      hint: "decrypt it (`openssl pkey -in FILE -out plain.pem`) and import it into cosign's format with `cosign import-key-pair --key plain.pem`",
    });
  }
  const type = PRIVATE_LABELS[block.label];
  if (!type) {
    const what = block.label === 'CERTIFICATE' ? 'a certificate' : `a PEM block "${block.label}"`;
    throw new ShipshapeError('input', `expected a private or public key, found ${what}`, { where });
  }
  (options.registry ?? processSecrets).add(material.text);
  try {
    return createPrivateKey({ key: block.der, format: 'der', type });
  } catch {
    throw new ShipshapeError('input', `the PEM block "${block.label}" does not hold a valid ${type.toUpperCase()} private key; the file is damaged`, { where });
  }
}

function supported(key: KeyObject, where: string): KeyAlgorithm {
  const result = keyAlgorithm(key);
  if ('problem' in result) throw new ShipshapeError('input', result.problem, { where });
  return result.algorithm;
}
