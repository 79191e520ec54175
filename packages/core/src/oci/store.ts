/**
 * One interface over every place an image can live — a registry repository, an OCI image layout on
 * disk, a `docker save` archive — as go-containerregistry's remote/layout/tarball share v1.Image.
 * Callers (signing, SBOM, attestations) are written once against this interface.
 */
import type { Readable } from 'node:stream';
import type { Descriptor, Manifest } from './manifest';

export interface FetchedManifest {
  /** Digest, media type and size of the exact bytes below. */
  descriptor: Descriptor;
  /** The manifest as stored: signatures and digests are over these bytes, never a re-serialization. */
  bytes: Buffer;
  manifest: Manifest;
}

export interface ReferrersQuery {
  /** Only referrers whose artifactType equals this. */
  artifactType?: string;
}

export interface ImageStore {
  /** Human description for messages: `127.0.0.1:5000/team/app`, `oci:/tmp/layout`. */
  readonly location: string;
  /** Whether put* work (a docker-archive is read-only). */
  readonly writable: boolean;

  /** A tag or digest → the descriptor of the manifest or index it names. */
  resolve(tagOrDigest: string): Promise<Descriptor>;
  /** The manifest or index, verified against its digest when addressed by digest. */
  getManifest(tagOrDigest: string): Promise<FetchedManifest>;
  /** A blob as a stream that errors on a digest or size mismatch. */
  openBlob(descriptor: Pick<Descriptor, 'digest' | 'size'>): Promise<Readable>;
  /** A small blob (config, attestation payload) read whole and verified; refuses more than `maxBytes`. */
  readBlob(descriptor: Pick<Descriptor, 'digest' | 'size'>, maxBytes?: number): Promise<Buffer>;
  hasBlob(digest: string): Promise<boolean>;
  /** Stores a blob whose digest is computed here; skipped when it already exists. */
  putBlob(data: Buffer, mediaType: string): Promise<Descriptor>;
  /**
   * Stores a manifest (after confirming every blob it references exists) and optionally tags it.
   * A manifest with a `subject` also becomes discoverable through `referrers` — via the referrers
   * API where the store has one, else through the `sha256-<hex>` fallback tag index.
   */
  putManifest(bytes: Buffer, mediaType: string, tag?: string): Promise<Descriptor>;
  listTags(): Promise<string[]>;
  /** Manifests whose `subject` is `subjectDigest`. */
  referrers(subjectDigest: string, query?: ReferrersQuery): Promise<Descriptor[]>;
}

/** Limit for manifests and other JSON read whole: the distribution spec's 4 MiB manifest ceiling. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** The referrers-API fallback tag for a subject: `sha256:abc…` → `sha256-abc…` (OCI distribution spec 1.1). */
export function referrersFallbackTag(subjectDigest: string): string {
  return subjectDigest.replace(':', '-').slice(0, 128);
}
