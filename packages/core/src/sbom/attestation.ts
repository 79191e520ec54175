/**
 * SBOMs as signed attestations, through the one attestation path (src/attest): an in-toto statement
 * whose subject is the image digest, predicateType `https://cyclonedx.org/bom` or
 * `https://spdx.dev/Document` and the SBOM document as the predicate — what `cosign attest --type
 * cyclonedx|spdxjson` writes, so `cosign verify-attestation` and Kyverno read it. Reading back verifies
 * every attestation first and returns only the predicate of one that verified.
 */
import { attachAttestation, verifyAttestations, type AttachedAttestation, type VerifiedStatement } from '../attest/attestation';
import { imageSubject, makeStatement, PREDICATE_TYPES } from '../attest/statement';
import type { SbomFormat } from '../config/schema';
import { ShipshapeError } from '../errors';
import type { Descriptor } from '../oci/manifest';
import type { ImageStore } from '../oci/store';
import type { SigningSetups } from '../signing/setup';
import type { SignatureFormat, VerificationPolicy } from '../signing/types';
import { FORMAT_NAMES, sbomDocumentKind } from './backends/run';

export const SBOM_PREDICATE_TYPES: Readonly<Record<SbomFormat, string>> = {
  'cyclonedx-json': PREDICATE_TYPES.cyclonedx,
  'spdx-json': PREDICATE_TYPES.spdx,
};

export interface AttachSbomRequest {
  store: ImageStore;
  /** The image manifest the SBOM describes. */
  subject: Descriptor;
  /** `registry/repository` as cosign names attestation subjects; omitted for on-disk images. */
  subjectName?: string;
  format: SbomFormat;
  document: string;
  setups: SigningSetups;
  signatureFormat: SignatureFormat;
}

export async function attachSbom(request: AttachSbomRequest): Promise<AttachedAttestation[]> {
  const predicate = parseDocument(request.document, request.format);
  const statement = makeStatement([imageSubject(request.subject.digest, request.subjectName)], SBOM_PREDICATE_TYPES[request.format], predicate);
  return attachAttestation(request.store, request.subject, statement, request.setups, request.signatureFormat);
}

export interface DownloadedSbom {
  /** The SBOM document (the verified statement's predicate), as JSON text. */
  document: string;
  /** The attestation it came from. */
  attestation: Pick<VerifiedStatement, 'format' | 'location' | 'signer'>;
  /** How many attestations of this type verified (the first is returned). */
  verifiedCount: number;
}

/** The SBOM attached to `digest` whose attestation verifies under `policy`; a 'check' error when none does. */
export async function downloadSbom(store: ImageStore, digest: string, format: SbomFormat, policy: VerificationPolicy): Promise<DownloadedSbom> {
  const predicateType = SBOM_PREDICATE_TYPES[format];
  const result = await verifyAttestations(store, digest, policy, predicateType);
  const first = result.verified[0];
  if (!first) {
    const reasons = result.rejected.map((r) => `${r.format} ${r.location}: ${r.reason}`);
    throw new ShipshapeError('check', `no ${format} SBOM attestation on ${store.location}@${digest} verifies${reasons.length ? `:\n  ${reasons.join('\n  ')}` : ' (none is attached)'}`, {
      hint: reasons.length ? 'check the key or identity you verify with' : 'attach one with `shipshape sbom generate --attach`',
    });
  }
  const document = `${JSON.stringify(first.statement.predicate, null, 2)}\n`;
  if (sbomDocumentKind(document) !== format) {
    throw new ShipshapeError('input', `the verified ${predicateType} attestation does not hold a ${FORMAT_NAMES[format]} document`, { where: first.location });
  }
  return { document, attestation: { format: first.format, location: first.location, signer: first.signer }, verifiedCount: result.verified.length };
}

function parseDocument(document: string, format: SbomFormat): unknown {
  if (sbomDocumentKind(document) !== format) throw new ShipshapeError('input', `the SBOM to attach is not a ${FORMAT_NAMES[format]} document`);
  return JSON.parse(document) as unknown;
}
