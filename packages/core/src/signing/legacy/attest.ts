/**
 * Attaching an attestation in cosign's legacy format (`cosign attest` v1/v2): the DSSE envelope of a
 * signed in-toto statement as one more layer of the image's `sha256-<hex>.att` manifest. As cosign
 * writes it, the layer's signature annotation is empty (the signature is inside the envelope), a
 * `predicateType` annotation names the predicate, and keyless material sits in the same annotations
 * as on `.sig` layers.
 */
import type { Bundle } from '@sigstore/bundle';
import { z } from 'zod';
import { ShipshapeError } from '../../errors';
import type { Descriptor } from '../../oci/manifest';
import type { ImageStore } from '../../oci/store';
import { IN_TOTO_PAYLOAD_TYPE } from '../types';
import { materialAnnotations, PREDICATE_TYPE_ANNOTATION, SIGNATURE_ANNOTATION } from './annotations';
import { goJson } from './go-json';
import { appendSignatureLayer, assertWritable, signatureLayer, signatureTag } from './signature-image';

/** cosign's layer media type for attestations (pkg/types DssePayloadType). */
export const DSSE_ENVELOPE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';

export interface LegacyAttachResult {
  /** `<store>:sha256-<hex>.att`. */
  location: string;
  tag: string;
  layer: Descriptor;
  /** False when the same attestation was already attached. */
  added: boolean;
}

/**
 * Attaches a DSSE bundle (from DSSEBundleBuilder) to `subject`. `predicateType` defaults to the
 * statement's own; the statement must name the subject's digest.
 */
export async function attachLegacyAttestation(store: ImageStore, subject: Pick<Descriptor, 'digest'>, bundle: Bundle, predicateType?: string): Promise<LegacyAttachResult> {
  const where = `${store.location}@${subject.digest}`;
  assertWritable(store);
  signatureTag(subject.digest, 'att');
  if (bundle.content.$case !== 'dsseEnvelope') {
    throw new ShipshapeError('input', 'an attestation must be a DSSE envelope, but the bundle holds a message signature', { where });
  }
  const envelope = bundle.content.dsseEnvelope;
  const statement = envelope.payloadType === IN_TOTO_PAYLOAD_TYPE ? readStatement(envelope.payload, where) : undefined;
  if (statement && !statement.subjectDigests.includes(subject.digest)) {
    throw new ShipshapeError('input', `the attestation's statement is about ${statement.subjectDigests.join(', ') || 'no digest'}, not ${subject.digest}`, { where });
  }
  const type = predicateType ?? statement?.predicateType;
  if (!type) throw new ShipshapeError('input', 'the attestation has no predicateType', { where, hint: 'attach an in-toto statement with a predicateType' });

  // The envelope as the DSSE spec and cosign v2 write it: payloadType, payload, signatures [keyid, sig].
  const envelopeJson = goJson({
    payloadType: envelope.payloadType,
    payload: envelope.payload.toString('base64'),
    signatures: envelope.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig.toString('base64') })),
  });
  const annotations = { [SIGNATURE_ANNOTATION]: '', [PREDICATE_TYPE_ANNOTATION]: type, ...materialAnnotations(bundle.verificationMaterial, where) };
  const blob = await store.putBlob(Buffer.from(envelopeJson, 'utf8'), DSSE_ENVELOPE_MEDIA_TYPE);
  const layer = signatureLayer(blob, annotations);
  const result = await appendSignatureLayer({ store, imageDigest: subject.digest, kind: 'att', layer });
  return { location: result.location, tag: result.tag, layer, added: result.added };
}

const statementSchema = z
  .object({
    subject: z.array(z.object({ digest: z.record(z.string(), z.string()) }).loose()),
    predicateType: z.string().min(1),
  })
  .loose();

/** The statement's subject digests (`sha256:…`) and predicateType; throws when it is not a statement. */
function readStatement(payload: Buffer, where: string): { subjectDigests: string[]; predicateType: string } {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new ShipshapeError('input', 'the attestation payload is not a JSON in-toto statement', { where });
  }
  const parsed = statementSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ShipshapeError('input', `the attestation payload is not an in-toto statement: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`, { where });
  }
  const subjectDigests = parsed.data.subject.flatMap((s) => (s.digest.sha256 ? [`sha256:${s.digest.sha256}`] : []));
  return { subjectDigests, predicateType: parsed.data.predicateType };
}
