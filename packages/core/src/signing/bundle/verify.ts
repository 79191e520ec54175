/**
 * Image signatures in the bundle format: every referrer bundle whose statement has the cosign sign
 * predicate type (or another, for attestations) is verified against the policy and must name the
 * image's digest as its subject. The result says who signed, and why each other bundle did not count.
 */
import { verifyAttachedBundles } from '../../attest/verify';
import type { ImageStore } from '../../oci/store';
import { COSIGN_SIGN_PREDICATE_TYPE, type ImageVerification, type VerificationPolicy, type VerifiedSignature } from '../types';
import type { VerifiedSigner } from '../verifier';

export interface BundleVerifyOptions {
  /** Default: https://sigstore.dev/cosign/sign/v1 (image signatures). */
  predicateType?: string;
}

export type BundleVerification = Pick<ImageVerification, 'verified' | 'rejected'>;

export async function verifyImageBundles(store: ImageStore, imageDigest: string, policy: VerificationPolicy, options: BundleVerifyOptions = {}): Promise<BundleVerification> {
  const predicateType = options.predicateType ?? COSIGN_SIGN_PREDICATE_TYPE;
  const { verified, rejected } = await verifyAttachedBundles(store, imageDigest, policy, { predicateType });
  return {
    verified: verified.map(({ stored, signer }) => ({
      format: 'bundle',
      digest: imageDigest,
      signedReference: stored.statement.subject.find((s) => s.name)?.name,
      signer: describeSigner(signer),
      tlog: signer.tlog,
      location: stored.location,
    })),
    rejected: rejected.map((r) => ({ ...r, format: 'bundle' as const })),
  };
}

function describeSigner(signer: VerifiedSigner): VerifiedSignature['signer'] {
  if (signer.kind === 'key') return { kind: 'key', keyHint: signer.keyHint };
  return { kind: 'keyless', identity: signer.identity ?? '', issuer: signer.issuer ?? '', ...(signer.githubWorkflow ? { githubWorkflow: signer.githubWorkflow } : {}) };
}
