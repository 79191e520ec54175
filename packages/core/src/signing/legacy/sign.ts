/**
 * Signing an image in cosign's legacy format (cosign v1/v2, read by Kyverno and policy-controller):
 * the simple-signing payload is signed through @sigstore/sign's MessageSignatureBundleBuilder — which
 * gives the signature and, for keyless, the Fulcio certificate and the Rekor entry — and stored as one
 * more layer of the image's `sha256-<hex>.sig` manifest, with the material in cosign's annotations.
 */
import { verify as verifySignature } from 'node:crypto';
import type { Bundle } from '@sigstore/bundle';
import type { Signature, Signer } from '@sigstore/sign';
import { ShipshapeError } from '../../errors';
import { loadSigstoreSign } from '../lazy-sigstore';
import type { Descriptor } from '../../oci/manifest';
import type { ImageStore } from '../../oci/store';
import { SIMPLE_SIGNING_MEDIA_TYPE, type SigningSetup } from '../types';
import { bundleSignature, materialAnnotations, SIGNATURE_ANNOTATION } from './annotations';
import { simpleSigningPayload } from './payload';
import { appendSignatureLayer, assertWritable, signatureLayer, signatureTag } from './signature-image';

export interface LegacySignTarget {
  /** The image (manifest or index) being signed: its digest is what the signature covers. */
  descriptor: Pick<Descriptor, 'digest'>;
  /** `registry/repository` without tag or digest: the payload's docker-reference. */
  repository: string;
  /** `cosign sign -a KEY=VALUE`: written into the payload's `optional`. */
  annotations?: Record<string, string>;
}

export interface LegacySignResult {
  /** `<store>:sha256-<hex>.sig`. */
  location: string;
  tag: string;
  /** The signature layer (payload blob + annotations). */
  layer: Descriptor;
  /** The signature as a sigstore bundle (certificate, log entry), for reporting. */
  bundle: Bundle;
  /** False when an equivalent signature was already there and nothing was added. */
  added: boolean;
}

export async function signLegacy(store: ImageStore, image: LegacySignTarget, setup: SigningSetup): Promise<LegacySignResult> {
  const digest = image.descriptor.digest;
  // Everything that can be refused is refused before the signer (and Rekor) is asked for anything.
  assertWritable(store);
  signatureTag(digest, 'sig');
  const payload = simpleSigningPayload(image.repository, digest, image.annotations);
  const { bundle, key } = await signPayload(payload, setup, digest);
  const where = `${store.location}@${digest}`;
  const signature = bundleSignature(bundle);
  // cosign checks legacy signatures with SHA-256 whatever the key; a signer that hashed otherwise
  // (a P-384 key's default SHA-384) would write a signature nobody can verify.
  if (key.$case === 'publicKey' && !verifiesWithSha256(payload, key.publicKey, signature)) {
    throw new ShipshapeError('tool', `the signature by ${setup.description} does not verify with SHA-256, which legacy (.sig) signatures require`, {
      where,
      hint: 'create the key signer with hash sha256 for the legacy format',
    });
  }

  const annotations = { [SIGNATURE_ANNOTATION]: signature.toString('base64'), ...materialAnnotations(bundle.verificationMaterial, where) };
  // Blobs before the manifest that lists them.
  const blob = await store.putBlob(payload, SIMPLE_SIGNING_MEDIA_TYPE);
  const layer = signatureLayer(blob, annotations);
  const result = await appendSignatureLayer({
    store,
    imageDigest: digest,
    kind: 'sig',
    layer,
    isEquivalent: (existing) => sameKeySignature(existing, layer, payload, key),
  });
  return { location: result.location, tag: result.tag, layer, bundle, added: result.added };
}

/** Signs and witnesses the payload; `key` is the signer's key material (a public key PEM or the certificate). */
async function signPayload(payload: Buffer, setup: SigningSetup, digest: string): Promise<{ bundle: Bundle; key: Signature['key'] }> {
  let key: Signature['key'] | undefined;
  const capturing: Signer = {
    sign: async (data) => {
      const signature = await setup.signer.sign(data);
      key = signature.key;
      return signature;
    },
  };
  const { InternalError, MessageSignatureBundleBuilder } = await loadSigstoreSign();
  let bundle: Bundle;
  try {
    bundle = await new MessageSignatureBundleBuilder({ signer: capturing, witnesses: setup.witnesses }).create({ data: payload });
  } catch (error) {
    if (error instanceof InternalError) {
      // Fulcio, Rekor, a TSA or the identity token: a service that did not give what signing needs.
      throw new ShipshapeError('network', `could not sign ${digest} (${setup.description}): ${error.message}`, { cause: error });
    }
    throw error;
  }
  if (!key) throw new ShipshapeError('tool', `the signer (${setup.description}) returned no key material`);
  return { bundle, key };
}

/**
 * cosign's duplicate detection (pkg/cosign/remote DupeDetector): an existing layer with the same
 * payload, media type and annotations whose signature verifies with our key is the same signature —
 * ECDSA signatures differ on every run, so comparing bytes alone would add one per re-run.
 */
function sameKeySignature(existing: Descriptor, ours: Descriptor, payload: Buffer, key: Signature['key']): boolean {
  if (key.$case !== 'publicKey') return false;
  if (existing.digest !== ours.digest || existing.mediaType !== ours.mediaType) return false;
  const theirs = existing.annotations ?? {};
  for (const [name, value] of Object.entries(ours.annotations ?? {})) {
    if (name !== SIGNATURE_ANNOTATION && theirs[name] !== value) return false;
  }
  const signature = theirs[SIGNATURE_ANNOTATION];
  // Same layer digest: the same payload bytes, so their signature is checked over ours.
  return signature !== undefined && signature !== '' && verifiesWithSha256(payload, key.publicKey, Buffer.from(signature, 'base64'));
}

function verifiesWithSha256(payload: Buffer, publicKeyPem: string, signature: Buffer): boolean {
  try {
    return verifySignature('sha256', payload, publicKeyPem, signature);
  } catch {
    return false;
  }
}
