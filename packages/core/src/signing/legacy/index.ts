/** cosign's legacy storage format (cosign v1/v2, Kyverno, policy-controller): `.sig` signatures and `.att` attestations. */
export { signLegacy, type LegacySignResult, type LegacySignTarget } from './sign';
export { verifyLegacySignatures, type LegacyVerification } from './verify';
export { attachLegacyAttestation, DSSE_ENVELOPE_MEDIA_TYPE, type LegacyAttachResult } from './attest';
export { readLegacyAttestations, readLegacySignatures, type AttestationQuery, type LegacyAttestation, type LegacySignature, type LayerRead } from './read';
export { COSIGN_SIGNATURE_TYPE, cosignDockerReference, parseSimpleSigningPayload, simpleSigningPayload, type SimpleSigningPayload } from './payload';
export { signatureTag, type SignatureKind } from './signature-image';
