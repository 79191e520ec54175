/**
 * THE attestation path, used for SBOMs, provenance and vulnerability results alike: an in-toto
 * statement signed as DSSE, attached in the configured storage format(s) — a Sigstore bundle
 * referrer (cosign v3) and/or a legacy `.att` layer (cosign v2) — and read back verified.
 */
import { ShipshapeError } from '../errors';
import type { Descriptor } from '../oci/manifest';
import type { ImageStore } from '../oci/store';
import { attachLegacyAttestation, readLegacyAttestations } from '../signing/legacy';
import type { SigningSetups } from '../signing/setup';
import type { SignatureFormat, VerificationPolicy } from '../signing/types';
import type { VerifiedSigner } from '../signing/verifier';
import { attachBundle } from './bundle-referrer';
import { createAttestationBundle } from './create';
import { bundleStatement } from './dsse';
import { verifyAttachedBundles, verifyStoredBundle } from './verify';
import type { Statement } from './statement';

export interface AttachedAttestation {
  format: 'bundle' | 'legacy';
  location: string;
}

/** Signs `statement` once and stores it in each requested format. */
export async function attachAttestation(
  store: ImageStore,
  subject: Descriptor,
  statement: Statement,
  setups: SigningSetups,
  format: SignatureFormat,
): Promise<AttachedAttestation[]> {
  if (!store.writable) throw new ShipshapeError('usage', `cannot attach to ${store.location}: it is read-only`, { hint: 'push the image to a registry or an oci: layout first' });
  const bundle = await createAttestationBundle(setups.forFormat('bundle'), statement);
  const attached: AttachedAttestation[] = [];
  if (format === 'bundle' || format === 'both') {
    const referrer = await attachBundle(store, subject, bundle, statement.predicateType);
    attached.push({ format: 'bundle', location: `${store.location}@${referrer.digest}` });
  }
  if (format === 'legacy' || format === 'both') {
    const result = await attachLegacyAttestation(store, subject, bundle, statement.predicateType);
    attached.push({ format: 'legacy', location: result.location });
  }
  return attached;
}

export interface VerifiedStatement {
  format: 'bundle' | 'legacy';
  location: string;
  statement: Statement;
  signer: VerifiedSigner;
}

export interface StatementVerification {
  verified: VerifiedStatement[];
  rejected: { format: 'bundle' | 'legacy'; location: string; reason: string }[];
}

/** Every attestation of `predicateType` on the image, in both formats, checked against the policy and the digest. */
export async function verifyAttestations(store: ImageStore, subjectDigest: string, policy: VerificationPolicy, predicateType: string): Promise<StatementVerification> {
  const [bundles, legacy] = await Promise.all([
    verifyAttachedBundles(store, subjectDigest, policy, { predicateType }),
    readLegacyAttestations(store, subjectDigest, { predicateType }),
  ]);
  const result: StatementVerification = {
    verified: bundles.verified.map((v) => ({ format: 'bundle', location: v.stored.location, statement: v.stored.statement, signer: v.signer })),
    rejected: bundles.rejected.map((r) => ({ format: 'bundle', ...r })),
  };
  for (const layer of legacy) {
    if (!layer.ok) {
      result.rejected.push({ format: 'legacy', location: layer.location, reason: layer.reason });
      continue;
    }
    try {
      const statement = bundleStatement(layer.bundle, layer.location);
      const signer = verifyStoredBundle({ bundle: layer.bundle, statement, location: layer.location }, subjectDigest, policy, predicateType);
      result.verified.push({ format: 'legacy', location: layer.location, statement, signer });
    } catch (error) {
      if (!(error instanceof ShipshapeError) || error.kind === 'config' || error.kind === 'usage') throw error;
      result.rejected.push({ format: 'legacy', location: layer.location, reason: error.message });
    }
  }
  return result;
}
