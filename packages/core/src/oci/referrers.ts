/**
 * Referrers without the OCI 1.1 referrers API: the distribution spec's fallback, an image index tagged
 * `sha256-<hex>` (the subject's digest) listing every manifest that refers to it. Used by registries
 * that lack the API (Debian's distribution 2.8, older Harbor/ECR) and by OCI layouts on disk.
 *
 * Adding an entry is a read-modify-write of one tag, so concurrent writers can overwrite each other.
 * Writers in one process are serialized; across processes (parallel Nx tasks, CI machines) each writer
 * re-reads after a settle delay and re-applies its entry until it sees it in place — and stays until
 * the index has been quiet (unchanged) for a whole settle period, because a writer still holding a
 * copy read before our entry went in would drop it with its next write, after we had left.
 */
import { isNotFound, ShipshapeError } from '../errors';
import { isIndex, type Descriptor, type ImageIndex, type Manifest } from './manifest';
import { INDEX_MEDIA_TYPES, OCI_INDEX } from './media-types';
import { referrersFallbackTag, type ImageStore } from './store';

const MAX_ROUNDS = 60;
const MIN_SETTLE_MS = 50;

/** Process-wide serialization per fallback tag (store location + tag). */
const localLocks = new Map<string, Promise<void>>();

export async function readFallbackReferrers(store: ImageStore, subjectDigest: string): Promise<Descriptor[]> {
  const found = await readFallbackIndex(store, subjectDigest);
  return found?.index.manifests ?? [];
}

async function readFallbackIndex(store: ImageStore, subjectDigest: string): Promise<{ index: ImageIndex; digest: string } | undefined> {
  try {
    const { manifest, descriptor } = await store.getManifest(referrersFallbackTag(subjectDigest));
    if (!isIndex(manifest)) {
      throw new ShipshapeError('input', `the referrers tag ${referrersFallbackTag(subjectDigest)} holds an image, not an index`, { where: store.location });
    }
    return { index: manifest, digest: descriptor.digest };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function addToReferrersFallback(store: ImageStore, subjectDigest: string, entry: Descriptor): Promise<void> {
  const key = `${store.location} ${referrersFallbackTag(subjectDigest)}`;
  const previous = localLocks.get(key) ?? Promise.resolve();
  const mine = previous.then(() => addWithConfirmation(store, subjectDigest, entry));
  const settled = mine.catch(() => undefined);
  localLocks.set(key, settled);
  try {
    await mine;
  } finally {
    if (localLocks.get(key) === settled) localLocks.delete(key);
  }
}

async function addWithConfirmation(store: ImageStore, subjectDigest: string, entry: Descriptor): Promise<void> {
  const tag = referrersFallbackTag(subjectDigest);
  const clean = referrerEntry(entry);
  // The longest read-to-write gap seen: how long another writer may sit on a stale copy.
  let gapMs = 0;
  // The index as it was when we last looked (read or wrote it).
  let lastSeen: string | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const readAt = Date.now();
    const current = await readFallbackIndex(store, subjectDigest);
    gapMs = Math.max(gapMs, Date.now() - readAt);
    const entries = current?.index.manifests ?? [];
    if (entries.some((d) => d.digest === clean.digest)) {
      // Listed before we started (an earlier push of the same manifest), or listed and nobody has
      // written the index since we last looked, a whole settle period ago: done.
      if (round === 0 || current?.digest === lastSeen) return;
      lastSeen = current?.digest;
    } else {
      const next: ImageIndex = { ...(current?.index ?? {}), schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...entries, clean] };
      lastSeen = (await store.putManifest(Buffer.from(JSON.stringify(next)), OCI_INDEX, tag)).digest;
      gapMs = Math.max(gapMs, Date.now() - readAt);
    }
    // A concurrent writer that read before our write finishes its own write within about one
    // read-to-write gap; waiting a few of those before re-reading lets us see whether it dropped us.
    // The jitter keeps writers that collided from colliding again in lockstep.
    const settleMs = Math.max(MIN_SETTLE_MS, 3 * gapMs);
    await sleep(settleMs + (Math.random() * settleMs) / 2);
  }
  throw new ShipshapeError('network', `could not add ${clean.digest} to the referrers of ${subjectDigest} after ${MAX_ROUNDS} attempts (heavy concurrent writing?)`, {
    where: `${store.location}:${tag}`,
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
