/**
 * Verifying the bundles attached to an image: each goes through the one verifier (signature,
 * certificate chain, logs, identity policy), then what it signed must be about this image — a subject
 * with the image's digest — and of the asked predicate type. A statement about another digest (a
 * signature copied onto a new image, or left behind when a tag moved) is rejected, never counted.
 */
import { ShipshapeError } from '../errors';
import type { ImageStore } from '../oci/store';
import { verifyBundle, type VerifiedSigner } from '../signing/verifier';
import type { VerificationPolicy } from '../signing/types';
import { readBundles, type StoredBundle } from './bundle-referrer';
import { statementCoversDigest, subjectDigests } from './statement';

export interface VerifiedAttestation {
  stored: StoredBundle;
  signer: VerifiedSigner;
}

export interface RejectedAttestation {
  location: string;
  reason: string;
}

export interface AttestationVerification {
  verified: VerifiedAttestation[];
  rejected: RejectedAttestation[];
}

export async function verifyAttachedBundles(store: ImageStore, subjectDigest: string, policy: VerificationPolicy, options: { predicateType: string }): Promise<AttestationVerification> {
  const { bundles, skipped } = await readBundles(store, subjectDigest, { predicateType: options.predicateType });
  const result: AttestationVerification = { verified: [], rejected: [...skipped] };
  for (const stored of bundles) {
    try {
      result.verified.push({ stored, signer: verifyStoredBundle(stored, subjectDigest, policy, options.predicateType) });
    } catch (error) {
      if (!(error instanceof ShipshapeError) || error.kind === 'config' || error.kind === 'usage') throw error;
      result.rejected.push({ location: stored.location, reason: error.message });
    }
  }
  return result;
}

/** One stored bundle against the policy and the image digest; throws ShipshapeError('check') with the reason. */
export function verifyStoredBundle(stored: Pick<StoredBundle, 'bundle' | 'statement' | 'location'>, subjectDigest: string, policy: VerificationPolicy, predicateType: string): VerifiedSigner {
  const signer = verifyBundle(stored.bundle, undefined, policy);
  // Only after the signature holds is the statement trusted enough to be checked.
  const { statement } = stored;
  if (statement.predicateType !== predicateType) {
    throw new ShipshapeError('check', `the signed statement's predicate type is ${statement.predicateType}, not ${predicateType}`, { where: stored.location });
  }
  if (!statementCoversDigest(statement, subjectDigest)) {
    throw new ShipshapeError('check', `the signed statement is for ${subjectDigests(statement).join(', ') || '(no digest)'}, not this image (${subjectDigest})`, { where: stored.location });
  }
  return signer;
}
