/**
 * Signing one image by digest, in the configured storage format(s): the Sigstore bundle referrer
 * (cosign v3), the legacy `.sig` tag (cosign v1/v2, Kyverno), or both.
 */
import { ShipshapeError } from '../errors';
import type { Logger } from '../exec/logger';
import type { OpenedImage } from '../oci/open';
import { formatReference, pinDigest, repositoryName } from '../oci/reference';
import { signImageBundle } from './bundle/sign';
import { signLegacy } from './legacy';
import type { SigningSetups } from './setup';
import type { SignatureFormat } from './types';

export interface SignImageResult {
  /** The image by digest, e.g. `ghcr.io/acme/api@sha256:…`. */
  image: string;
  digest: string;
  signer: string;
  signatures: { format: 'bundle' | 'legacy'; location: string; added: boolean }[];
}

export async function signImage(opened: OpenedImage, setups: SigningSetups, format: SignatureFormat, logger: Logger): Promise<SignImageResult> {
  const { store, reference } = opened;
  if (reference.kind === 'docker-archive' || !store.writable) {
    throw new ShipshapeError('usage', `cannot sign ${formatReference(reference)}: a docker-archive is read-only`, {
      hint: 'push the image to a registry (or copy it to an oci: layout) and sign it there',
    });
  }
  const descriptor = await store.resolve(opened.tagOrDigest);
  const image = formatReference(pinDigest(reference, descriptor.digest));
  if (!reference.digest) logger.info(`${formatReference(reference)} resolved to ${descriptor.digest}; signing by digest`);

  const signatures: SignImageResult['signatures'] = [];
  if (format === 'bundle' || format === 'both') {
    const result = await signImageBundle(store, { descriptor }, setups.forFormat('bundle'));
    signatures.push({ format: 'bundle', location: result.location, added: true });
  }
  if (format === 'legacy' || format === 'both') {
    const repository = reference.kind === 'registry' ? repositoryName(reference) : `oci:${reference.dir}`;
    const result = await signLegacy(store, { descriptor, repository }, setups.forFormat('legacy'));
    signatures.push({ format: 'legacy', location: result.location, added: result.added });
  }
  return { image, digest: descriptor.digest, signer: setups.description, signatures };
}
