/** @shipshape/core public API: the engine modules the Nx plugin and other callers build on. */
export * from './errors';
export * from './version';
export * from './exec';
export * from './config';
export * from './ci';
export * from './oci/reference';
export { openImage, type OpenedImage, type OpenOptions } from './oci/open';
export { describeImage, selectPlatform, type ImageDescription } from './oci/image';
export { RegistryClient, type RegistryClientOptions, type RegistryHostSettings } from './oci/registry/client';
export { registryHostSettings } from './oci/registry/settings';
export { generateKeyPair, loadPublicKey, loadSigningKey } from './signing/keys';
export { createSigningSetups, type SigningSetups } from './signing/setup';
export { signImage, type SignImageResult } from './signing/sign-image';
export { verifyImage } from './signing/verify-image';
export { verificationPolicy } from './signing/policy';
export type { ImageVerification, VerifiedSignature, VerificationPolicy, SignatureFormat } from './signing/types';
export { attachAttestation, verifyAttestations, type AttachedAttestation, type VerifiedStatement } from './attest/attestation';
export { runCli } from './cli/main';
