/**
 * Which keys Shipshape signs and verifies with natively, and how: the key types and signature
 * algorithms of sigstore's algorithm registry that cosign accepts (sigstore/sigstore
 * `signature.GetDefaultPublicKeyDetails`, cryptoutils `ValidatePubKey`):
 *   ECDSA P-256 + SHA-256, P-384 + SHA-384, P-521 + SHA-512 (ASN.1 DER signatures);
 *   RSA 2048/3072/4096, PKCS#1 v1.5 + SHA-256.
 * Ed25519 is refused: cosign signs with Ed25519ph, which Node's crypto cannot produce, so a native
 * signature would not verify with cosign; the cosign backend handles such keys.
 */
import { createHash, type KeyObject } from 'node:crypto';

export type SignatureHash = 'sha256' | 'sha384' | 'sha512';

export interface KeyAlgorithm {
  /** For output: "ECDSA P-256", "RSA 3072". */
  description: string;
  /** The hash cosign (sigstore's LoadDefaultSignerVerifier) signs with for this key. */
  hash: SignatureHash;
  /** The protobuf-specs PublicKeyDetails name, e.g. PKIX_ECDSA_P256_SHA_256. */
  keyDetails: string;
}

const EC_CURVES: Record<string, KeyAlgorithm> = {
  prime256v1: { description: 'ECDSA P-256', hash: 'sha256', keyDetails: 'PKIX_ECDSA_P256_SHA_256' },
  secp384r1: { description: 'ECDSA P-384', hash: 'sha384', keyDetails: 'PKIX_ECDSA_P384_SHA_384' },
  secp521r1: { description: 'ECDSA P-521', hash: 'sha512', keyDetails: 'PKIX_ECDSA_P521_SHA_512' },
};

const RSA_SIZES = [2048, 3072, 4096];

const COSIGN_BACKEND = 'sign with the cosign backend (`signing.tool: cosign`) or use an ECDSA P-256 key (`shipshape key generate`)';

/** The algorithm for a (private or public) key, or why Shipshape cannot use it natively. */
export function keyAlgorithm(key: KeyObject): { algorithm: KeyAlgorithm } | { problem: string } {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'ec') {
    const algorithm = details.namedCurve ? EC_CURVES[details.namedCurve] : undefined;
    if (algorithm) return { algorithm };
    return { problem: `unsupported elliptic curve ${details.namedCurve ?? '(unknown)'}: cosign keys use NIST P-256, P-384 or P-521` };
  }
  if (type === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (RSA_SIZES.includes(bits)) {
      return { algorithm: { description: `RSA ${bits}`, hash: 'sha256', keyDetails: `PKIX_RSA_PKCS1V15_${bits}_SHA256` } };
    }
    return { problem: `unsupported RSA key size ${bits} bits: cosign accepts 2048, 3072 or 4096` };
  }
  if (type === 'ed25519') {
    return { problem: `Ed25519 keys are not supported natively (cosign signs them with Ed25519ph, which Node cannot produce); ${COSIGN_BACKEND}` };
  }
  if (type === 'rsa-pss') {
    return { problem: `RSA-PSS keys are not supported natively (cosign signs RSA keys with PKCS#1 v1.5); ${COSIGN_BACKEND}` };
  }
  return { problem: `unsupported key type ${type ?? '(unknown)'}: cosign keys are ECDSA (P-256, P-384, P-521) or RSA; ${COSIGN_BACKEND}` };
}

/**
 * The key hint cosign writes into a bundle's `verificationMaterial.publicKey.hint` (and DSSE `keyid`):
 * base64 (standard, padded) of the SHA-256 of the DER SubjectPublicKeyInfo (cosign `internal/key`
 * NewSignerVerifierKeypair, and `verify_bundle.go`).
 */
export function publicKeyHint(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
}
