/**
 * Signing with a key the user holds (cosign `--key`): a @sigstore/sign Signer over a Node KeyObject,
 * with no witnesses (as `cosign sign --key --tlog-upload=false`). Signatures are what cosign makes
 * for the key type: ECDSA in ASN.1 DER with the curve's hash (P-256/SHA-256, P-384/SHA-384,
 * P-521/SHA-512), RSA PKCS#1 v1.5 with SHA-256 — sigstore's LoadDefaultSignerVerifier.
 */
import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import type { Signer } from '@sigstore/sign';
import { ShipshapeError } from '../errors';
import { keyAlgorithm, publicKeyHint, type SignatureHash } from './keys/key-types';
import type { SigningSetup } from './types';

export interface KeySigningOptions {
  /**
   * The hash to sign with; default: the key's own (above). Legacy `.sig` signatures should pass
   * 'sha256': `cosign verify --key` checks them with SHA-256 whatever the key
   * (`--signature-digest-algorithm` defaults to sha256), which only matters for P-384/P-521 keys.
   */
  hash?: SignatureHash;
}

export function keySigningSetup(privateKey: KeyObject, publicKey: KeyObject, description: string, options: KeySigningOptions = {}): SigningSetup {
  const result = keyAlgorithm(privateKey);
  if ('problem' in result) throw new ShipshapeError('input', `cannot sign with this key: ${result.problem}`);
  const publicDer = publicKey.export({ type: 'spki', format: 'der' });
  if (!createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).equals(publicDer)) {
    throw new ShipshapeError('input', `the public key given for ${description} is not the private key's public half`);
  }
  const hash = options.hash ?? result.algorithm.hash;
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  // The hint cosign writes (base64 SHA-256 of the DER SPKI): lets verifiers pick the key, binds nothing.
  const hint = publicKeyHint(publicKey);
  const signer: Signer = {
    sign: async (data: Buffer) => ({
      // Node signs ECDSA as DER by default and RSA with PKCS#1 v1.5 padding by default.
      signature: sign(hash, data, privateKey),
      key: { $case: 'publicKey', publicKey: publicKeyPem, hint },
    }),
  };
  return { kind: 'key', signer, witnesses: [], description };
}
