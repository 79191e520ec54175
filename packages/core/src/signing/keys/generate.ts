/** A new key pair in cosign's format, as `cosign generate-key-pair` makes it: ECDSA P-256, scrypt N=65536. */
import { generateKeyPair as generateKeyPairCallback, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { encryptCosignPrivateKey } from './cosign-encrypted';

export interface GeneratedKeyPair {
  /** `ENCRYPTED SIGSTORE PRIVATE KEY` PEM (cosign.key). */
  privateKeyPem: string;
  /** `PUBLIC KEY` PEM (cosign.pub). */
  publicKeyPem: string;
}

const generateEcKeyPair = promisify(generateKeyPairCallback) as (
  type: 'ec',
  options: { namedCurve: string },
) => Promise<{ privateKey: KeyObject; publicKey: KeyObject }>;

/** Generates a P-256 pair; the private half encrypted with `password` (an empty one is allowed, as cosign allows it). */
export async function generateKeyPair(password: string): Promise<GeneratedKeyPair> {
  const { privateKey, publicKey } = await generateEcKeyPair('ec', { namedCurve: 'P-256' });
  return {
    privateKeyPem: await encryptCosignPrivateKey(privateKey, password),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
