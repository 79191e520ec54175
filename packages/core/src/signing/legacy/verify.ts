/**
 * Verifying an image's legacy `.sig` signatures as cosign v2 does: each layer's signature (and
 * certificate, log entry) through the one verifier, then the signed payload's claim — it must name
 * this image's digest (cosign's SimpleClaimVerifier), so a signature copied onto another image, or
 * left behind when a tag moved, does not count.
 */
import { ShipshapeError } from '../../errors';
import type { ImageStore } from '../../oci/store';
import type { ImageVerification, VerificationPolicy, VerifiedSignature } from '../types';
import { verifyBundle, type VerifiedSigner } from '../verifier';
import { parseSimpleSigningPayload, payloadMismatch } from './payload';
import { readLegacySignatures, type LegacySignature } from './read';
import { signatureTag } from './signature-image';

export type LegacyVerification = Pick<ImageVerification, 'verified' | 'rejected'>;

export async function verifyLegacySignatures(store: ImageStore, imageDigest: string, policy: VerificationPolicy): Promise<LegacyVerification> {
  const result: LegacyVerification = { verified: [], rejected: [] };
  let entries: LegacySignature[];
  try {
    entries = await readLegacySignatures(store, imageDigest);
  } catch (error) {
    // A `.sig` tag that is no signature image at all: say so, and let other formats still count.
    if (!(error instanceof ShipshapeError) || error.kind !== 'input') throw error;
    result.rejected.push({ location: `${store.location}:${signatureTag(imageDigest, 'sig')}`, format: 'legacy', reason: error.message });
    return result;
  }
  for (const entry of entries) {
    const reject = (reason: string) => result.rejected.push({ location: entry.location, format: 'legacy', reason });
    if (!entry.ok) {
      reject(entry.reason);
      continue;
    }
    let signer: VerifiedSigner;
    try {
      signer = verifyBundle(entry.bundle, entry.payload, policy);
    } catch (error) {
      // A policy that cannot be applied (bad regexp, no trusted root) is the caller's error, not this signature's.
      if (error instanceof ShipshapeError && (error.kind === 'usage' || error.kind === 'config')) throw error;
      reject(error instanceof Error ? error.message : String(error));
      continue;
    }
    let reference: string;
    try {
      const payload = parseSimpleSigningPayload(entry.payload, entry.location);
      const mismatch = payloadMismatch(payload, imageDigest);
      if (mismatch) {
        reject(mismatch);
        continue;
      }
      reference = payload.dockerReference;
    } catch (error) {
      if (!(error instanceof ShipshapeError)) throw error;
      reject(error.message);
      continue;
    }
    result.verified.push({ format: 'legacy', digest: imageDigest, signedReference: reference, signer: describeSigner(signer), tlog: signer.tlog, location: entry.location });
  }
  return result;
}

function describeSigner(signer: VerifiedSigner): VerifiedSignature['signer'] {
  if (signer.kind === 'key') return { kind: 'key', keyHint: signer.keyHint };
  return { kind: 'keyless', identity: signer.identity ?? '', issuer: signer.issuer ?? '', ...(signer.githubWorkflow ? { githubWorkflow: signer.githubWorkflow } : {}) };
}
