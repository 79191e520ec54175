/** `@shipshape/core/signing`: cosign keys, signing an image by digest, and verifying its signatures. */
export { generateKeyPair, loadPublicKey, loadSigningKey } from '../signing/keys';
export { createSigningSetups, type SigningSetups } from '../signing/setup';
export { signImage, type SignImageResult } from '../signing/sign-image';
export { verifyImage } from '../signing/verify-image';
export { verificationPolicy } from '../signing/policy';
export type { ImageVerification, VerifiedSignature, VerificationPolicy, SignatureFormat } from '../signing/types';
