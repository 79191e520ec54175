/**
 * Sigstore bundles attached to an image as cosign v3 does it (sigstore/cosign specs/BUNDLE_SPEC.md and
 * pkg/oci/remote/write.go `WriteAttestationNewBundleFormat`): an OCI image manifest whose artifactType
 * is the bundle media type, with the empty config, ONE layer holding the bundle JSON, `subject` = the
 * image, and annotations saying what is inside and when it was made. Registries with the referrers API
 * index it by subject; others get the `sha256-<hex>` fallback index (the store does that).
 *
 * Reading is the reverse, and everything read is untrusted: sizes are bounded, digests checked by the
 * store, anything that is not a well-formed bundle is skipped with the reason (other tools' referrers
 * share the listing), and nothing here says a bundle is valid — callers verify it.
 */
import { bundleFromJSON, bundleToJSON, type Bundle } from '@sigstore/bundle';
import { ShipshapeError } from '../errors';
import { isIndex, type Descriptor, type ImageManifest } from '../oci/manifest';
import { EMPTY_JSON_DIGEST, OCI_EMPTY, OCI_MANIFEST } from '../oci/media-types';
import { MAX_MANIFEST_BYTES, type ImageStore } from '../oci/store';
import { SIGSTORE_BUNDLE_MEDIA_TYPE } from '../signing/types';
import { bundleStatement } from './dsse';
import type { Statement } from './statement';

export const BUNDLE_CONTENT_ANNOTATION = 'dev.sigstore.bundle.content';
export const BUNDLE_PREDICATE_TYPE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
export const CREATED_ANNOTATION = 'org.opencontainers.image.created';

/** Media types that name a Sigstore bundle: `…bundle.v0.3+json` and the older `…bundle+json;version=0.x`. */
const BUNDLE_MEDIA_TYPE_PREFIX = 'application/vnd.dev.sigstore.bundle';
/** A bundle is a few KiB; an SBOM attestation can be megabytes. Anything beyond this is refused unread. */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

export interface AttachOptions {
  /** The creation time written to `org.opencontainers.image.created` (default: now). */
  created?: Date;
}

/** The referrer manifest for a bundle blob, field for field as cosign writes it. */
export function bundleReferrerManifest(bundleBlob: Descriptor, subject: Descriptor, predicateType: string, created: Date): ImageManifest {
  return {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    // cosign also sets artifactType on the config descriptor (go-containerregistry's Descriptor field).
    config: { mediaType: OCI_EMPTY, size: 2, digest: EMPTY_JSON_DIGEST, artifactType: SIGSTORE_BUNDLE_MEDIA_TYPE },
    layers: [{ mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE, size: bundleBlob.size, digest: bundleBlob.digest }],
    annotations: {
      [BUNDLE_CONTENT_ANNOTATION]: 'dsse-envelope',
      [BUNDLE_PREDICATE_TYPE_ANNOTATION]: predicateType,
      // RFC 3339 in seconds, UTC: Go's time.RFC3339 as cosign formats it.
      [CREATED_ANNOTATION]: created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
    subject: { mediaType: subject.mediaType, size: subject.size, digest: subject.digest },
    artifactType: SIGSTORE_BUNDLE_MEDIA_TYPE,
  };
}

/**
 * Stores a DSSE bundle as a referrer of `subject` and returns the referrer manifest's descriptor.
 * `predicateType` is the statement's (written to the annotation that lets readers pick bundles unread).
 */
export async function attachBundle(store: ImageStore, subject: Descriptor, bundle: Bundle, predicateType: string, options: AttachOptions = {}): Promise<Descriptor> {
  if (!store.writable) throw new ShipshapeError('input', 'this image store is read-only; bundles cannot be attached to it', { where: store.location });
  if (bundle.content.$case !== 'dsseEnvelope') {
    throw new ShipshapeError('input', 'only DSSE bundles (in-toto statements) are attached to images', { where: store.location });
  }
  const bundleBytes = Buffer.from(JSON.stringify(bundleToJSON(bundle)), 'utf8');
  await store.putBlob(Buffer.from('{}'), OCI_EMPTY);
  const blob = await store.putBlob(bundleBytes, SIGSTORE_BUNDLE_MEDIA_TYPE);
  const manifest = bundleReferrerManifest(blob, subject, predicateType, options.created ?? new Date());
  return store.putManifest(Buffer.from(JSON.stringify(manifest), 'utf8'), OCI_MANIFEST);
}

export interface StoredBundle {
  bundle: Bundle;
  /** The statement inside (parsed, not yet verified). */
  statement: Statement;
  predicateType: string;
  /** `<store location>@<referrer manifest digest>`: where to find it, for messages. */
  location: string;
  /** The referrer manifest's descriptor. */
  descriptor: Descriptor;
  /** `org.opencontainers.image.created`, when written. */
  created?: string;
}

export interface SkippedReferrer {
  location: string;
  reason: string;
}

export interface ReadBundlesResult {
  bundles: StoredBundle[];
  /** Referrers that looked like bundles (by artifactType) but could not be used, each with why. */
  skipped: SkippedReferrer[];
}

export interface ReadBundlesOptions {
  /** Only bundles whose statement has this predicateType. */
  predicateType?: string;
  /** Limit for one bundle blob (default MAX_BUNDLE_BYTES). */
  maxBundleBytes?: number;
}

/** Every Sigstore bundle attached to `subjectDigest` (DSSE with an in-toto statement), unverified. */
export async function readBundles(store: ImageStore, subjectDigest: string, options: ReadBundlesOptions = {}): Promise<ReadBundlesResult> {
  // Asked for unfiltered: bundles carry two spellings of the media type, and entries listed without an
  // artifactType are inspected rather than missed.
  const referrers = await store.referrers(subjectDigest);
  const result: ReadBundlesResult = { bundles: [], skipped: [] };
  for (const descriptor of referrers) {
    if (descriptor.artifactType !== undefined && !isBundleMediaType(descriptor.artifactType)) continue;
    const listedType = descriptor.annotations?.[BUNDLE_PREDICATE_TYPE_ANNOTATION];
    // The listing's annotation lets us skip other predicate types without a fetch; the statement decides for the rest.
    if (options.predicateType !== undefined && listedType !== undefined && listedType !== options.predicateType) continue;
    const location = `${store.location}@${descriptor.digest}`;
    try {
      const stored = await readOne(store, descriptor, subjectDigest, location, options);
      if (stored === undefined) continue;
      if (options.predicateType === undefined || stored.predicateType === options.predicateType) result.bundles.push(stored);
    } catch (error) {
      if (!(error instanceof ShipshapeError) || error.kind === 'network') throw error;
      result.skipped.push({ location, reason: error.message });
    }
  }
  return result;
}

/** One referrer → a bundle; undefined when it is simply not a Sigstore bundle (another tool's artifact). */
async function readOne(store: ImageStore, listed: Descriptor, subjectDigest: string, location: string, options: ReadBundlesOptions): Promise<StoredBundle | undefined> {
  if (listed.size > MAX_MANIFEST_BYTES) throw new ShipshapeError('input', `the referrer manifest is ${listed.size} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`, { where: location });
  const { manifest, descriptor } = await store.getManifest(listed.digest);
  if (isIndex(manifest)) {
    if (listed.artifactType === undefined) return undefined;
    throw new ShipshapeError('input', 'the referrer is an image index, not a bundle manifest', { where: location });
  }
  const artifactType = manifest.artifactType ?? listed.artifactType;
  const layerTypes = manifest.layers.map((l) => l.mediaType);
  if (artifactType === undefined && !layerTypes.some(isBundleMediaType)) return undefined;
  if (artifactType !== undefined && !isBundleMediaType(artifactType)) return undefined;
  if (manifest.subject?.digest !== subjectDigest) {
    throw new ShipshapeError('input', `the referrer's subject is ${manifest.subject?.digest ?? '(none)'}, not ${subjectDigest}`, { where: location });
  }
  if (manifest.layers.length !== 1) throw new ShipshapeError('input', `a bundle referrer has exactly one layer; this one has ${manifest.layers.length}`, { where: location });
  const layer = manifest.layers[0]!;
  if (!isBundleMediaType(layer.mediaType)) throw new ShipshapeError('input', `the layer's media type is ${layer.mediaType}, not a Sigstore bundle`, { where: location });
  const limit = options.maxBundleBytes ?? MAX_BUNDLE_BYTES;
  if (layer.size > limit) throw new ShipshapeError('input', `the bundle is ${layer.size} bytes, over the ${limit}-byte limit`, { where: location });

  const bytes = await store.readBlob(layer, limit);
  const bundle = parseBundle(bytes, location);
  const statement = bundleStatement(bundle, location);
  const annotated = manifest.annotations?.[BUNDLE_PREDICATE_TYPE_ANNOTATION];
  if (annotated !== undefined && annotated !== statement.predicateType) {
    throw new ShipshapeError('input', `the manifest says predicate type ${annotated}, but the signed statement says ${statement.predicateType}`, { where: location });
  }
  return {
    bundle,
    statement,
    predicateType: statement.predicateType,
    location,
    descriptor: { ...listed, ...descriptor },
    created: manifest.annotations?.[CREATED_ANNOTATION],
  };
}

/** Bundle JSON → a validated sigstore Bundle, or an 'input' error naming what is wrong. */
export function parseBundle(bytes: Buffer, where: string): Bundle {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ShipshapeError('input', 'the bundle is not valid JSON', { where });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ShipshapeError('input', 'the bundle is not a JSON object', { where });
  try {
    return bundleFromJSON(json);
  } catch (error) {
    throw new ShipshapeError('input', `not a valid Sigstore bundle: ${(error as Error).message}`, { where });
  }
}

export function isBundleMediaType(mediaType: string): boolean {
  return mediaType.startsWith(BUNDLE_MEDIA_TYPE_PREFIX);
}
