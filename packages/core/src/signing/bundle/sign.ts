/**
 * `cosign sign` in the bundle format (cosign v3's default): an in-toto statement with predicate type
 * https://sigstore.dev/cosign/sign/v1 whose one subject is the image digest — no name, an empty
 * predicate, and the `-a key=value` annotations on the subject (cosign cmd/cosign/cli/sign/sign.go
 * `signDigestBundle`) — signed into a DSSE bundle and attached to the image as a referrer.
 */
import { attachBundle } from '../../attest/bundle-referrer';
import { createAttestationBundle } from '../../attest/create';
import { imageSubject, makeStatement, type Statement } from '../../attest/statement';
import type { Descriptor } from '../../oci/manifest';
import type { ImageStore } from '../../oci/store';
import { COSIGN_SIGN_PREDICATE_TYPE, type SigningSetup } from '../types';

export interface BundleSignTarget {
  /**
   * The image manifest or index being signed (by digest: the signature is for exactly these bytes).
   * cosign's sign statement does not name the repository, so none is asked for.
   */
  descriptor: Descriptor;
}

export interface BundleSignOptions {
  /** cosign's `-a key=value`: signed claims on the subject, checked by `cosign verify -a`. */
  annotations?: Record<string, string>;
  created?: Date;
}

export interface BundleSignResult {
  /** The referrer manifest that holds the bundle. */
  referrer: Descriptor;
  /** `<store location>@<referrer digest>`, as verification reports it. */
  location: string;
  statement: Statement;
}

/** The statement `cosign sign` signs in the bundle format. */
export function cosignSignStatement(imageDigest: string, annotations: Record<string, string> = {}): Statement {
  // cosign always writes the (possibly empty) annotations struct and an empty predicate.
  return makeStatement([imageSubject(imageDigest, undefined, annotations)], COSIGN_SIGN_PREDICATE_TYPE, {});
}

export async function signImageBundle(store: ImageStore, image: BundleSignTarget, setup: SigningSetup, options: BundleSignOptions = {}): Promise<BundleSignResult> {
  const statement = cosignSignStatement(image.descriptor.digest, options.annotations);
  const bundle = await createAttestationBundle(setup, statement);
  const referrer = await attachBundle(store, image.descriptor, bundle, COSIGN_SIGN_PREDICATE_TYPE, { created: options.created });
  return { referrer, location: `${store.location}@${referrer.digest}`, statement };
}
