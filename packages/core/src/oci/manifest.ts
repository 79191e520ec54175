/**
 * Manifests, indexes and descriptors (OCI image spec v1.1 and Docker schema 2), parsed with zod because
 * they come from registries and files we do not control. Unknown fields are kept (passthrough) so a
 * manifest we rewrite (e.g. a referrers index) never loses what another tool put there.
 */
import { z } from 'zod';
import { ShipshapeError } from '../errors';
import { isIndexMediaType } from './media-types';

const digestString = z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'not a digest');

export const platformSchema = z
  .object({
    architecture: z.string(),
    os: z.string(),
    'os.version': z.string().optional(),
    'os.features': z.array(z.string()).optional(),
    variant: z.string().optional(),
  })
  .loose();
export type Platform = z.infer<typeof platformSchema>;

export const descriptorSchema = z
  .object({
    mediaType: z.string(),
    digest: digestString,
    size: z.number().int().nonnegative(),
    urls: z.array(z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    data: z.string().optional(),
    platform: platformSchema.optional(),
    artifactType: z.string().optional(),
  })
  .loose();
export type Descriptor = z.infer<typeof descriptorSchema>;

export const imageManifestSchema = z
  .object({
    schemaVersion: z.literal(2),
    mediaType: z.string().optional(),
    artifactType: z.string().optional(),
    config: descriptorSchema,
    layers: z.array(descriptorSchema),
    subject: descriptorSchema.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .loose();
export type ImageManifest = z.infer<typeof imageManifestSchema>;

export const imageIndexSchema = z
  .object({
    schemaVersion: z.literal(2),
    mediaType: z.string().optional(),
    artifactType: z.string().optional(),
    manifests: z.array(descriptorSchema),
    subject: descriptorSchema.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .loose();
export type ImageIndex = z.infer<typeof imageIndexSchema>;

export type Manifest = ImageManifest | ImageIndex;

export function isIndex(manifest: Manifest): manifest is ImageIndex {
  return Array.isArray((manifest as ImageIndex).manifests);
}

/**
 * Parses manifest bytes. The media type comes from the document or, for old Docker manifests
 * that omit it, from the response's Content-Type.
 */
export function parseManifest(bytes: Buffer, where: string, contentType?: string): { manifest: Manifest; mediaType: string } {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ShipshapeError('input', 'the manifest is not valid JSON', { where });
  }
  const declared = (json as { mediaType?: unknown })?.mediaType;
  const mediaType = typeof declared === 'string' ? declared : contentType;
  const looksLikeIndex = isIndexMediaType(mediaType) || Array.isArray((json as { manifests?: unknown })?.manifests);
  const result = (looksLikeIndex ? imageIndexSchema : imageManifestSchema).safeParse(json);
  if (!result.success) {
    const first = result.error.issues[0];
    const path = first?.path.join('.') || '(root)';
    throw new ShipshapeError('input', `the manifest is not a valid ${looksLikeIndex ? 'image index' : 'image manifest'}: ${path}: ${first?.message}`, { where });
  }
  if ((json as { schemaVersion?: unknown }).schemaVersion === 1) {
    throw new ShipshapeError('input', 'Docker schema 1 manifests are not supported', { where, hint: 'push the image again with a current tool' });
  }
  const fallback = looksLikeIndex ? 'application/vnd.oci.image.index.v1+json' : 'application/vnd.oci.image.manifest.v1+json';
  return { manifest: result.data, mediaType: mediaType ?? fallback };
}

/** `linux/amd64`, `linux/arm64/v8`. */
export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

export function parsePlatform(text: string): Platform {
  const [os, architecture, variant] = text.split('/');
  if (!os || !architecture) {
    throw new ShipshapeError('usage', `invalid platform "${text}"`, { hint: 'write OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm64/v8' });
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** Does an index entry's platform satisfy the wanted one? arm64's variant v8 is implied, as containerd treats it. */
export function platformMatches(candidate: Platform | undefined, wanted: Platform): boolean {
  if (!candidate) return false;
  if (candidate.os !== wanted.os || candidate.architecture !== wanted.architecture) return false;
  if (!wanted.variant) return true;
  const variant = candidate.variant ?? (candidate.architecture === 'arm64' ? 'v8' : undefined);
  return variant === wanted.variant;
}
