/** cosign-compatible keys: loading (file, env://; KMS goes to the cosign backend), the encrypted format, generation. */
export { loadSigningKey, loadPublicKey, describeKey, type KeyLoadOptions, type LoadedSigningKey } from './load';
export {
  encryptCosignPrivateKey,
  decryptCosignPrivateKey,
  SIGSTORE_PRIVATE_KEY_LABEL,
  COSIGN_PRIVATE_KEY_LABEL,
  DEFAULT_SCRYPT_PARAMS,
  type ScryptParams,
} from './cosign-encrypted';
export { generateKeyPair, type GeneratedKeyPair } from './generate';
export { keyAlgorithm, publicKeyHint, type KeyAlgorithm, type SignatureHash } from './key-types';
