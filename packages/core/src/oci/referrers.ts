/**
 * Referrers without the OCI 1.1 referrers API: the distribution spec's fallback, an image index tagged
 * `sha256-<hex>` (the subject's digest) listing every manifest that refers to it. Used by registries
 * that lack the API (Debian's distribution 2.8, older Harbor/ECR) and by OCI layouts on disk.
 *
 * Adding an entry is a read-modify-write of one tag, which concurrent writers can undo: it goes
 * through oci/tagged-append (serialized in-process, confirmed across processes until the tag is quiet).
 */
import { isNotFound, ShipshapeError } from '../errors';
import { isIndex, type Descriptor, type ImageIndex, type Manifest } from './manifest';
import { INDEX_MEDIA_TYPES, OCI_INDEX } from './media-types';
import { referrersFallbackTag, type FetchedManifest, type ImageStore } from './store';
import { appendToTag } from './tagged-append';

export async function readFallbackReferrers(store: ImageStore, subjectDigest: string): Promise<Descriptor[]> {
  const tag = referrersFallbackTag(subjectDigest);
  try {
    return asFallbackIndex(await store.getManifest(tag), tag, store).manifests;
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

function asFallbackIndex(fetched: FetchedManifest, tag: string, store: ImageStore): ImageIndex {
  if (!isIndex(fetched.manifest)) {
    throw new ShipshapeError('input', `the referrers tag ${tag} holds an image, not an index`, { where: store.location });
  }
  return fetched.manifest;
}

export async function addToReferrersFallback(store: ImageStore, subjectDigest: string, entry: Descriptor): Promise<void> {
  const clean = referrerEntry(entry);
  const tag = referrersFallbackTag(subjectDigest);
  await appendToTag<ImageIndex>({
    store,
    tag,
    parse: (fetched) => asFallbackIndex(fetched, tag, store),
    contains: (index) => index.manifests.some((d) => d.digest === clean.digest),
    append: async (current) => {
      const next: ImageIndex = { ...(current ?? {}), schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...(current?.manifests ?? []), clean] };
      return { bytes: Buffer.from(JSON.stringify(next)), mediaType: OCI_INDEX };
    },
    what: `add ${clean.digest} to the referrers of ${subjectDigest}`,
  });
}

/** The descriptor as the referrers API lists it: media type, digest, size, artifactType, annotations. */
function referrerEntry(entry: Descriptor): Descriptor {
  const clean: Descriptor = { mediaType: entry.mediaType, digest: entry.digest, size: entry.size };
  if (entry.artifactType) clean.artifactType = entry.artifactType;
  if (entry.annotations && Object.keys(entry.annotations).length > 0) clean.annotations = entry.annotations;
  return clean;
}

/** What must exist before a manifest may be written: its blobs, and for an index its child manifests. */
export function manifestsToConfirm(manifest: Manifest): { blobs: Descriptor[]; manifests: Descriptor[] } {
  if (isIndex(manifest)) return { blobs: [], manifests: manifest.manifests };
  return { blobs: [manifest.config, ...manifest.layers], manifests: [] };
}

export function isIndexDescriptor(descriptor: Descriptor): boolean {
  return INDEX_MEDIA_TYPES.includes(descriptor.mediaType);
}
