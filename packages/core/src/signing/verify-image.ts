/**
 * Verifying every signature on an image, in both storage formats, against one policy. The image is
 * resolved to its digest first: signatures are for digests, and a tag that moved has none.
 */
import type { OpenedImage } from '../oci/open';
import { formatReference, pinDigest } from '../oci/reference';
import { verifyImageBundles } from './bundle/verify';
import { verifyLegacySignatures } from './legacy';
import type { ImageVerification, VerificationPolicy } from './types';

export async function verifyImage(opened: OpenedImage, policy: VerificationPolicy): Promise<ImageVerification> {
  const { store, reference } = opened;
  const descriptor = await store.resolve(opened.tagOrDigest);
  const [bundles, legacy] = await Promise.all([
    verifyImageBundles(store, descriptor.digest, policy),
    verifyLegacySignatures(store, descriptor.digest, policy),
  ]);
  const image = reference.kind === 'docker-archive' ? formatReference(reference) : formatReference(pinDigest(reference, descriptor.digest));
  return {
    image,
    digest: descriptor.digest,
    verified: [...bundles.verified, ...legacy.verified],
    rejected: [...bundles.rejected, ...legacy.rejected],
  };
}
