/** `@shipshape/core/attest`: signed in-toto attestations attached to an image, and reading them back verified. */
export { attachAttestation, verifyAttestations, type AttachedAttestation, type VerifiedStatement } from '../attest/attestation';
export { cosignRepositoryName } from '../attest/statement';
