/**
 * cosign's signature images: the manifest tagged `sha256-<hex>.sig` (signatures) or `.att`
 * (attestations) in the image's repository, one layer per signature, as cosign v1/v2 write them
 * (pkg/oci/empty + go-containerregistry mutate.Append): an OCI image manifest whose config is an
 * image config listing each layer's digest as a diff_id with an empty history entry.
 *
 * Adding a layer is a read-modify-write of the tag (oci/tagged-append): existing layers are never
 * dropped, an equivalent layer is never added twice, concurrent writers converge.
 */
import { ShipshapeError } from '../../errors';
import { isIndex, type Descriptor, type ImageManifest } from '../../oci/manifest';
import { DOCKER_CONFIG, OCI_CONFIG, OCI_MANIFEST } from '../../oci/media-types';
import { MAX_MANIFEST_BYTES, type FetchedManifest, type ImageStore } from '../../oci/store';
import { appendToTag } from '../../oci/tagged-append';
import { goJson, goMap } from './go-json';

export type SignatureKind = 'sig' | 'att';

/** go-containerregistry's zero time, which cosign leaves in the config unless asked to record one. */
const ZERO_TIME = '0001-01-01T00:00:00Z';
/** Media types of configs that mutate.Append extends with diff_ids and history (any other config is kept as it is). */
const IMAGE_CONFIG_TYPES = [OCI_CONFIG, DOCKER_CONFIG];
/** cosign refuses signature images with more layers than this (pkg/oci/mutate maxLayers). */
const MAX_LAYERS = 1000;

/** `sha256:abc…` → `sha256-abc….sig` / `.att`, in the image's own repository. */
export function signatureTag(imageDigest: string, kind: SignatureKind): string {
  if (!/^sha256:[a-f0-9]{64}$/.test(imageDigest)) {
    throw new ShipshapeError('input', `"${imageDigest}" is not a sha256 image digest`, { hint: 'sign and verify images by their sha256 digest' });
  }
  return `${imageDigest.replace(':', '-')}.${kind}`;
}

/** Signatures are written next to the image; a read-only store (a docker-archive) cannot take them. */
export function assertWritable(store: ImageStore): void {
  if (!store.writable) {
    throw new ShipshapeError('usage', 'signatures cannot be written to a read-only image source', {
      where: store.location,
      hint: 'sign the image in its registry or in an OCI layout (oci:DIR)',
    });
  }
}

export interface SignatureImage {
  tag: string;
  /** `<store>:<tag>`, for messages and results. */
  location: string;
  manifest: ImageManifest;
  descriptor: Descriptor;
}

/** The `.sig` / `.att` manifest of an image, or undefined when it has none. */
export async function readSignatureImage(store: ImageStore, imageDigest: string, kind: SignatureKind): Promise<SignatureImage | undefined> {
  const tag = signatureTag(imageDigest, kind);
  let fetched: FetchedManifest;
  try {
    fetched = await store.getManifest(tag);
  } catch (error) {
    if (error instanceof ShipshapeError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
  return { tag, location: `${store.location}:${tag}`, manifest: asSignatureManifest(fetched, `${store.location}:${tag}`), descriptor: fetched.descriptor };
}

function asSignatureManifest(fetched: FetchedManifest, where: string): ImageManifest {
  if (isIndex(fetched.manifest)) throw new ShipshapeError('input', 'the signature tag holds an image index, not a signature image', { where });
  return fetched.manifest;
}

export interface AppendLayer {
  store: ImageStore;
  imageDigest: string;
  kind: SignatureKind;
  /** The layer to add; its blob must already be stored. */
  layer: Descriptor;
  /** Whether an existing layer already stands for ours (cosign's duplicate detection); identical layers always do. */
  isEquivalent?: (existing: Descriptor) => boolean;
}

export interface AppendLayerResult {
  tag: string;
  location: string;
  /** False when an equivalent layer was already there. */
  added: boolean;
}

/** Adds one layer to the image's `.sig` / `.att` manifest, creating it when missing. */
export async function appendSignatureLayer(job: AppendLayer): Promise<AppendLayerResult> {
  const { store, layer } = job;
  const tag = signatureTag(job.imageDigest, job.kind);
  const location = `${store.location}:${tag}`;
  const matches = (existing: Descriptor) => sameLayer(existing, layer) || (job.isEquivalent?.(existing) ?? false);
  const result = await appendToTag<ImageManifest>({
    store,
    tag,
    parse: (fetched) => asSignatureManifest(fetched, location),
    contains: (manifest) => manifest.layers.some(matches),
    append: async (current) => {
      if (current && current.layers.length >= MAX_LAYERS) {
        throw new ShipshapeError('input', `${tag} already holds ${current.layers.length} layers, cosign's limit`, { where: location, hint: 'remove old signatures from the tag before adding more' });
      }
      const manifest = current ? await extend(store, current, layer) : await fresh(store, layer);
      return { bytes: Buffer.from(manifest.json), mediaType: manifest.mediaType };
    },
    what: `add signature layer ${layer.digest} to ${tag}`,
  });
  return { tag, location, added: result.added };
}

/** Same content, same media type, same annotations. */
export function sameLayer(a: Descriptor, b: Descriptor): boolean {
  return a.digest === b.digest && a.mediaType === b.mediaType && sameAnnotations(a.annotations ?? {}, b.annotations ?? {});
}

function sameAnnotations(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}

/** A new signature image, byte for byte as cosign writes its first signature. */
async function fresh(store: ImageStore, layer: Descriptor): Promise<{ json: string; mediaType: string }> {
  const config = await store.putBlob(Buffer.from(imageConfig([layer.digest])), OCI_CONFIG);
  const json = goJson({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, size: config.size, digest: config.digest },
    layers: [goLayer(layer)],
  });
  return { json, mediaType: OCI_MANIFEST };
}

/** The existing manifest with our layer appended; everything else in it is kept as written. */
async function extend(store: ImageStore, current: ImageManifest, layer: Descriptor): Promise<{ json: string; mediaType: string }> {
  let config = current.config;
  if (IMAGE_CONFIG_TYPES.includes(config.mediaType)) {
    const bytes = Buffer.from(await extendConfig(store, current, layer.digest));
    config = { ...config, ...(await store.putBlob(bytes, config.mediaType)), mediaType: config.mediaType };
    // An inline copy of the old config would now contradict the digest.
    delete config.data;
  }
  const next = { ...current, config, layers: [...current.layers, layer] };
  return { json: JSON.stringify(next), mediaType: current.mediaType ?? OCI_MANIFEST };
}

/** The config with one more diff_id and history entry (mutate.Append); rebuilt when it cannot be read. */
async function extendConfig(store: ImageStore, current: ImageManifest, diffId: string): Promise<string> {
  const rebuilt = () => imageConfig([...current.layers.map((l) => l.digest), diffId]);
  let bytes: Buffer;
  try {
    bytes = await store.readBlob(current.config, MAX_MANIFEST_BYTES);
  } catch (error) {
    // A missing or corrupt config does not stop us adding a signature: cosign's config is derived data.
    if (error instanceof ShipshapeError && (error.kind === 'input' || error.code === 'NOT_FOUND')) return rebuilt();
    throw error;
  }
  let config: unknown;
  try {
    config = JSON.parse(bytes.toString('utf8'));
  } catch {
    return rebuilt();
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return rebuilt();
  const document = config as { rootfs?: { diff_ids?: unknown }; history?: unknown };
  const diffIds = Array.isArray(document.rootfs?.diff_ids) ? document.rootfs.diff_ids : [];
  const history = Array.isArray(document.history) ? document.history : [];
  return JSON.stringify({ ...document, history: [...history, { created: ZERO_TIME }], rootfs: { ...document.rootfs, type: 'layers', diff_ids: [...diffIds, diffId] } });
}

/** cosign's config for a signature image with these layers (go-containerregistry's ConfigFile field order). */
export function imageConfig(diffIds: string[]): string {
  return goJson({
    architecture: '',
    created: ZERO_TIME,
    history: diffIds.map(() => ({ created: ZERO_TIME })),
    os: '',
    rootfs: { type: 'layers', diff_ids: diffIds },
    config: {},
  });
}

/** A layer descriptor in go-containerregistry's field order, annotations sorted. */
function goLayer(layer: Descriptor): { mediaType: string; size: number; digest: string; annotations?: Record<string, string> } {
  const out: { mediaType: string; size: number; digest: string; annotations?: Record<string, string> } = { mediaType: layer.mediaType, size: layer.size, digest: layer.digest };
  if (layer.annotations && Object.keys(layer.annotations).length > 0) out.annotations = goMap({ ...layer.annotations });
  return out;
}

/** A stored layer blob's descriptor with the annotations that make it a signature. */
export function signatureLayer(blob: Descriptor, annotations: Record<string, string>): Descriptor {
  // Keys in Go's (sorted) order, so the layer serializes the same whichever way the manifest is written.
  const sorted = Object.fromEntries(Object.entries(annotations).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { mediaType: blob.mediaType, size: blob.size, digest: blob.digest, annotations: sorted };
}
