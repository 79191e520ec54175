/**
 * Image-level operations over any store: what a reference resolves to (digest, media type,
 * platforms) and picking one platform out of a multi-arch index.
 */
import { z } from 'zod';
import { ShipshapeError } from '../errors';
import { formatPlatform, isIndex, platformMatches, type Descriptor, type Platform } from './manifest';
import type { OpenedImage } from './open';
import { formatReference, pinDigest } from './reference';

export interface ImageDescription {
  /** The reference pinned to the digest, e.g. `ghcr.io/acme/api@sha256:…` — what every later step uses. */
  reference: string;
  digest: string;
  mediaType: string;
  size: number;
  /**
   * `manifest`: the registry digest (what `skopeo inspect` and `cosign` use). `config`: a docker-archive
   * holds no registry manifest, so its digest is the image's config digest (the image ID).
   */
  digestKind: 'manifest' | 'config';
  platforms: { platform: string; digest: string }[];
}

/** The few config fields that say which platform an image is for. */
const imageConfigPlatformSchema = z.object({ architecture: z.string(), os: z.string(), variant: z.string().optional() }).loose();
const CONFIG_READ_LIMIT = 8 * 1024 * 1024;

export async function describeImage(opened: OpenedImage): Promise<ImageDescription> {
  const { store, reference } = opened;
  // resolve() is the store's answer to "which digest is this image": for a docker-archive, the config digest.
  const descriptor = await store.resolve(opened.tagOrDigest);
  const { manifest } = await store.getManifest(descriptor.digest);
  const digestKind = descriptor.annotations?.['dev.shipshape.digest-kind'] === 'config' ? 'config' : 'manifest';
  let platforms: ImageDescription['platforms'];
  if (isIndex(manifest)) {
    platforms = manifest.manifests.filter((m) => m.platform && m.platform.os !== 'unknown').map((m) => ({ platform: formatPlatform(m.platform!), digest: m.digest }));
  } else {
    const config = await store.readBlob(manifest.config, CONFIG_READ_LIMIT);
    const parsed = imageConfigPlatformSchema.safeParse(JSON.parse(config.toString('utf8')));
    platforms = parsed.success ? [{ platform: formatPlatform(parsed.data), digest: descriptor.digest }] : [];
  }
  const pinned = reference.kind === 'docker-archive' ? formatReference(reference) : formatReference(pinDigest(reference, descriptor.digest));
  return { reference: pinned, digest: descriptor.digest, mediaType: descriptor.mediaType, size: descriptor.size, digestKind, platforms };
}

/** The manifest for one platform: the index entry that matches, or the image itself if it is one. */
export async function selectPlatform(opened: OpenedImage, platform: Platform): Promise<Descriptor> {
  const { descriptor, manifest } = await opened.store.getManifest(opened.tagOrDigest);
  if (!isIndex(manifest)) return descriptor;
  const match = manifest.manifests.find((m) => platformMatches(m.platform, platform));
  if (!match) {
    const available = manifest.manifests.filter((m) => m.platform).map((m) => formatPlatform(m.platform!));
    throw new ShipshapeError('input', `the image has no ${formatPlatform(platform)} variant`, {
      where: opened.store.location,
      hint: `choose one of: ${available.join(', ') || '(none listed)'}`,
    });
  }
  return match;
}
