/**
 * The verification material of a legacy `.sig` / `.att` layer lives in its annotations (cosign
 * pkg/oci/static): the base64 signature, and for keyless the Fulcio certificate, its chain, the Rekor
 * entry as cosign's RekorBundle, and an RFC 3161 timestamp when a TSA was used. These functions move
 * that material between a sigstore Bundle (what @sigstore/sign produces and @sigstore/verify checks)
 * and the annotations, in both directions.
 */
import type { Bundle, TransparencyLogEntry } from '@sigstore/bundle';
import { pem } from '@sigstore/core';
import { z } from 'zod';
import { ShipshapeError } from '../../errors';
import { goJson } from './go-json';

/** A bundle's verification material (with the log entries' required fields, unlike the protobuf type). */
type VerificationMaterial = Bundle['verificationMaterial'];

export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
export const CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain';
export const BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';
export const RFC3161_ANNOTATION = 'dev.sigstore.cosign/rfc3161timestamp';
/** On `.att` layers: the statement's predicate type, so readers can pick attestations without opening them. */
export const PREDICATE_TYPE_ANNOTATION = 'predicateType';

/** More certificates than this in one annotation is not a Fulcio chain (sigstore's own PEM limit is 10). */
const MAX_CHAIN = 10;

/**
 * The annotations cosign writes for a signature's verification material (besides the signature):
 * certificate and chain for a certificate, the bundle for a Rekor entry, the RFC 3161 timestamp.
 * A key-based signature without a log entry has none.
 */
export function materialAnnotations(material: VerificationMaterial, where: string): Record<string, string> {
  const annotations: Record<string, string> = {};
  const certificates = certificatesOf(material);
  if (certificates.length > 0) {
    const [leaf, ...chain] = certificates;
    annotations[CERTIFICATE_ANNOTATION] = pem.fromDER(leaf as Buffer);
    // cosign writes the chain annotation whenever there is a certificate, empty when it has no chain.
    annotations[CHAIN_ANNOTATION] = chain.map((der) => pem.fromDER(der)).join('');
  }
  const entry = material.tlogEntries[0];
  if (entry) annotations[BUNDLE_ANNOTATION] = rekorBundleAnnotation(entry, where);
  const timestamp = material.timestampVerificationData?.rfc3161Timestamps[0];
  if (timestamp) annotations[RFC3161_ANNOTATION] = goJson({ SignedRFC3161Timestamp: Buffer.from(timestamp.signedTimestamp).toString('base64') });
  return annotations;
}

function certificatesOf(material: VerificationMaterial): Buffer[] {
  switch (material.content.$case) {
    case 'certificate':
      return [material.content.certificate.rawBytes];
    case 'x509CertificateChain':
      return material.content.x509CertificateChain.certificates.map((c) => c.rawBytes);
    default:
      return [];
  }
}

/**
 * cosign's RekorBundle (pkg/cosign/bundle): `{"SignedEntryTimestamp":…,"Payload":{"body":…,
 * "integratedTime":…,"logIndex":…,"logID":…}}` — the entry's signed promise of inclusion. It has no
 * room for an inclusion proof, so an entry without a promise (Rekor v2) cannot be stored this way.
 */
function rekorBundleAnnotation(entry: TransparencyLogEntry, where: string): string {
  if (!entry.inclusionPromise) {
    throw new ShipshapeError('input', 'the transparency-log entry has no signed entry timestamp, which the legacy signature format needs', {
      where,
      hint: 'use a Rekor v1 log for legacy signatures, or the bundle signature format',
    });
  }
  return goJson({
    SignedEntryTimestamp: entry.inclusionPromise.signedEntryTimestamp.toString('base64'),
    Payload: {
      body: entry.canonicalizedBody.toString('base64'),
      integratedTime: Number(entry.integratedTime),
      logIndex: Number(entry.logIndex),
      logID: entry.logId.keyId.toString('hex'),
    },
  });
}

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64');
const rekorBundleSchema = z.object({
  SignedEntryTimestamp: base64,
  Payload: z.object({
    body: base64,
    integratedTime: z.number().int().nonnegative(),
    logIndex: z.number().int().nonnegative(),
    logID: z.string().regex(/^[0-9a-f]+$/i, 'not hex'),
  }),
});
const rfc3161Schema = z.object({ SignedRFC3161Timestamp: base64 });
const entryKindSchema = z.object({ kind: z.string(), apiVersion: z.string() });

/**
 * The verification material a layer's annotations describe: the certificate (and chain) or, without
 * one, a public key known to the verifier; the Rekor entry; the timestamp. Throws a
 * ShipshapeError('input') naming the annotation that cannot be read.
 */
export function materialFromAnnotations(annotations: Record<string, string>, where: string): VerificationMaterial {
  const certificatePem = annotations[CERTIFICATE_ANNOTATION] ?? '';
  const content: VerificationMaterial['content'] = certificatePem.trim()
    ? {
        $case: 'x509CertificateChain',
        x509CertificateChain: {
          certificates: [...readCertificates(certificatePem, CERTIFICATE_ANNOTATION, where).slice(0, 1), ...readCertificates(annotations[CHAIN_ANNOTATION] ?? '', CHAIN_ANNOTATION, where)].map((rawBytes) => ({ rawBytes })),
        },
      }
    : // The key is the verifier's to supply; cosign's key-based signatures carry no hint.
      { $case: 'publicKey', publicKey: { hint: '' } };
  const bundleJson = annotations[BUNDLE_ANNOTATION];
  const timestampJson = annotations[RFC3161_ANNOTATION];
  return {
    content,
    tlogEntries: bundleJson ? [tlogEntryFromRekorBundle(bundleJson, where)] : [],
    timestampVerificationData: { rfc3161Timestamps: timestampJson ? [{ signedTimestamp: readTimestamp(timestampJson, where) }] : [] },
  };
}

function readCertificates(text: string, annotation: string, where: string): Buffer[] {
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)];
  const rest = text.replace(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g, '').trim();
  if (rest !== '' || blocks.length > MAX_CHAIN) {
    throw new ShipshapeError('input', `the ${annotation} annotation is not a PEM certificate list`, { where });
  }
  return blocks.map((block) => {
    if (block[1] !== 'CERTIFICATE') throw new ShipshapeError('input', `the ${annotation} annotation holds a ${block[1]}, not a CERTIFICATE`, { where });
    return Buffer.from((block[2] ?? '').replace(/\s+/g, ''), 'base64');
  });
}

function tlogEntryFromRekorBundle(json: string, where: string): TransparencyLogEntry {
  const bundle = rekorBundleSchema.safeParse(parseJson(json, BUNDLE_ANNOTATION, where));
  if (!bundle.success) throw invalidAnnotation(BUNDLE_ANNOTATION, bundle.error, where);
  const { SignedEntryTimestamp, Payload } = bundle.data;
  const body = Buffer.from(Payload.body, 'base64');
  // The entry's kind and version are inside its body (`{"kind":"hashedrekord","apiVersion":"0.0.1",…}`).
  const kind = entryKindSchema.safeParse(parseJson(body.toString('utf8'), `${BUNDLE_ANNOTATION} body`, where));
  if (!kind.success) throw invalidAnnotation(`${BUNDLE_ANNOTATION} body`, kind.error, where);
  return {
    logIndex: String(Payload.logIndex),
    logId: { keyId: Buffer.from(Payload.logID, 'hex') },
    kindVersion: { kind: kind.data.kind, version: kind.data.apiVersion },
    integratedTime: String(Payload.integratedTime),
    inclusionPromise: { signedEntryTimestamp: Buffer.from(SignedEntryTimestamp, 'base64') },
    inclusionProof: undefined,
    canonicalizedBody: body,
  };
}

function readTimestamp(json: string, where: string): Buffer {
  const parsed = rfc3161Schema.safeParse(parseJson(json, RFC3161_ANNOTATION, where));
  if (!parsed.success) throw invalidAnnotation(RFC3161_ANNOTATION, parsed.error, where);
  return Buffer.from(parsed.data.SignedRFC3161Timestamp, 'base64');
}

function parseJson(text: string, what: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ShipshapeError('input', `the ${what} annotation is not JSON`, { where });
  }
}

function invalidAnnotation(what: string, error: z.ZodError, where: string): ShipshapeError {
  const issue = error.issues[0];
  return new ShipshapeError('input', `the ${what} annotation is not what cosign writes: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`, { where });
}

/** The base64 signature annotation, decoded; a layer without one is not a signature. */
export function signatureFromAnnotations(annotations: Record<string, string>, where: string): Buffer {
  const value = annotations[SIGNATURE_ANNOTATION];
  if (value === undefined) throw new ShipshapeError('input', `the layer has no ${SIGNATURE_ANNOTATION} annotation`, { where });
  if (!base64.safeParse(value).success || value === '') throw new ShipshapeError('input', `the ${SIGNATURE_ANNOTATION} annotation is not a base64 signature`, { where });
  return Buffer.from(value, 'base64');
}

/** The signature over the signed content (message signature or the DSSE envelope's one signature). */
export function bundleSignature(bundle: Bundle): Buffer {
  if (bundle.content.$case === 'messageSignature') return bundle.content.messageSignature.signature;
  const [signature] = bundle.content.dsseEnvelope.signatures;
  if (!signature) throw new ShipshapeError('input', 'the DSSE envelope has no signature');
  return signature.sig;
}
