/**
 * Reading cosign's legacy `.sig` and `.att` layers back as sigstore bundles, so the one verifier
 * (signing/verifier.ts) checks them: a `.sig` layer becomes a message-signature bundle over its
 * payload blob, an `.att` layer a DSSE bundle; the certificate, chain, Rekor entry and timestamp come
 * from the layer's annotations. A layer that cannot be read is reported with the reason, never dropped.
 */
import { createHash } from 'node:crypto';
import { BUNDLE_V01_MEDIA_TYPE, type Bundle } from '@sigstore/bundle';
import { HashAlgorithm } from '@sigstore/protobuf-specs';
import { z } from 'zod';
import { ShipshapeError } from '../../errors';
import type { Descriptor } from '../../oci/manifest';
import { MAX_MANIFEST_BYTES, type ImageStore } from '../../oci/store';
import { materialFromAnnotations, PREDICATE_TYPE_ANNOTATION, signatureFromAnnotations } from './annotations';
import { readSignatureImage, type SignatureKind } from './signature-image';

/** cosign's default limit for a signature or attestation payload (COSIGN_MAX_ATTACHMENT_SIZE). */
const MAX_ATTESTATION_BYTES = 128 * 1024 * 1024;

interface LayerRef {
  /** `<store>:sha256-<hex>.sig[2]`: the tag and the layer's position in it. */
  location: string;
  layer: Descriptor;
}

/** A layer read as X, or the reason it could not be. */
export type LayerRead<X> = LayerRef & (({ ok: true } & X) | { ok: false; reason: string });

/** A `.sig` layer as a bundle plus the payload it signs, or why it could not be read. */
export type LegacySignature = LayerRead<{ bundle: Bundle; payload: Buffer }>;

/** An `.att` layer as a DSSE bundle, or why it could not be read. */
export type LegacyAttestation = LayerRead<{
  bundle: Bundle;
  /** The in-toto statement's predicateType (as stored: trust it only once the bundle verified). */
  predicateType?: string;
}>;

export async function readLegacySignatures(store: ImageStore, imageDigest: string): Promise<LegacySignature[]> {
  return readLayers(store, imageDigest, 'sig', async (ref) => {
    const payload = await store.readBlob(ref.layer, MAX_MANIFEST_BYTES);
    const annotations = ref.layer.annotations ?? {};
    const bundle: Bundle = {
      mediaType: BUNDLE_V01_MEDIA_TYPE,
      content: {
        $case: 'messageSignature',
        messageSignature: {
          // cosign signs and verifies legacy payloads with SHA-256 whatever the key.
          messageDigest: { algorithm: HashAlgorithm.SHA2_256, digest: createHash('sha256').update(payload).digest() },
          signature: signatureFromAnnotations(annotations, ref.location),
        },
      },
      verificationMaterial: materialFromAnnotations(annotations, ref.location),
    };
    return { bundle, payload };
  });
}

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64');
const envelopeSchema = z.object({
  payloadType: z.string(),
  payload: base64,
  signatures: z.array(z.object({ keyid: z.string().nullish(), sig: base64 })).min(1, 'no signatures'),
});

export interface AttestationQuery {
  /** Only attestations whose statement has this predicateType. */
  predicateType?: string;
}

export async function readLegacyAttestations(store: ImageStore, imageDigest: string, query: AttestationQuery = {}): Promise<LegacyAttestation[]> {
  const all: LegacyAttestation[] = await readLayers(store, imageDigest, 'att', async (ref) => {
    const text = (await store.readBlob(ref.layer, MAX_ATTESTATION_BYTES)).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ShipshapeError('input', 'the attestation layer is not a JSON DSSE envelope', { where: ref.location });
    }
    const parsed = envelopeSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ShipshapeError('input', `the attestation layer is not a DSSE envelope: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`, { where: ref.location });
    }
    const envelope = parsed.data;
    const payload = Buffer.from(envelope.payload, 'base64');
    const bundle: Bundle = {
      mediaType: BUNDLE_V01_MEDIA_TYPE,
      content: {
        $case: 'dsseEnvelope',
        dsseEnvelope: {
          payloadType: envelope.payloadType,
          payload,
          signatures: envelope.signatures.map((s) => ({ keyid: s.keyid ?? '', sig: Buffer.from(s.sig, 'base64') })),
        },
      },
      verificationMaterial: materialFromAnnotations(ref.layer.annotations ?? {}, ref.location),
    };
    return { bundle, predicateType: statementPredicateType(payload) ?? ref.layer.annotations?.[PREDICATE_TYPE_ANNOTATION] };
  });
  if (query.predicateType === undefined) return all;
  // Unreadable layers stay in: they may be what the caller looks for, and the reason says why not.
  return all.filter((a) => !a.ok || a.predicateType === query.predicateType);
}

/** The predicateType the envelope's statement declares (signed, unlike the layer annotation). */
function statementPredicateType(payload: Buffer): string | undefined {
  try {
    const statement = JSON.parse(payload.toString('utf8')) as { predicateType?: unknown };
    return typeof statement.predicateType === 'string' ? statement.predicateType : undefined;
  } catch {
    return undefined;
  }
}

async function readLayers<X extends object>(store: ImageStore, imageDigest: string, kind: SignatureKind, read: (ref: LayerRef) => Promise<X>): Promise<LayerRead<X>[]> {
  const image = await readSignatureImage(store, imageDigest, kind);
  if (!image) return [];
  const results: LayerRead<X>[] = [];
  for (const [index, layer] of image.manifest.layers.entries()) {
    const ref: LayerRef = { location: `${image.location}[${index}]`, layer };
    try {
      results.push({ ...ref, ok: true, ...(await read(ref)) });
    } catch (error) {
      // One bad layer (a corrupt or missing blob, an unreadable annotation) must not hide the others.
      if (!(error instanceof ShipshapeError) || (error.kind !== 'input' && error.code !== 'NOT_FOUND')) throw error;
      results.push({ ...ref, ok: false, reason: error.message });
    }
  }
  return results;
}
