/**
 * Adding one entry to a manifest kept under a tag: the referrers fallback index (`sha256-<hex>`),
 * cosign's signature and attestation images (`sha256-<hex>.sig`, `.att`). A registry offers no
 * compare-and-swap for tags, so this is a read-modify-write that concurrent writers can undo.
 *
 * Writers in one process are serialized. Across processes (parallel Nx tasks, CI machines) each writer
 * re-reads after a settle delay and re-applies its entry until it sees it in place — and stays until
 * the tag has been quiet (unchanged) for a whole settle period, because a writer still holding a copy
 * read before our entry went in would drop it with its next write, after we had left.
 */
import { isNotFound, ShipshapeError } from '../errors';
import type { Descriptor } from './manifest';
import type { FetchedManifest, ImageStore } from './store';

const MAX_ROUNDS = 60;
const MIN_SETTLE_MS = 50;

export interface TaggedAppend<T> {
  store: ImageStore;
  tag: string;
  /** What the tag holds, interpreted; throws a ShipshapeError when it cannot be extended. */
  parse(fetched: FetchedManifest): T;
  /** Whether our entry (or its equivalent) is already in it. */
  contains(current: T): boolean;
  /**
   * The manifest to write: `current` (undefined when the tag does not exist yet) plus our entry.
   * Stores whatever blobs that manifest needs first.
   */
  append(current: T | undefined): Promise<{ bytes: Buffer; mediaType: string }>;
  /** For the error when the entry never sticks: "add … to …". */
  what: string;
}

export interface TaggedAppendResult {
  /** False when the entry was there before we started (nothing was written). */
  added: boolean;
  /** The manifest the tag held when we were done. */
  manifest: Descriptor;
}

/** Process-wide serialization per tag (store location + tag). */
const localLocks = new Map<string, Promise<unknown>>();

export async function appendToTag<T>(job: TaggedAppend<T>): Promise<TaggedAppendResult> {
  const key = `${job.store.location} ${job.tag}`;
  const previous = localLocks.get(key) ?? Promise.resolve();
  const mine = previous.then(() => appendWithConfirmation(job));
  const settled = mine.catch(() => undefined);
  localLocks.set(key, settled);
  try {
    return await mine;
  } finally {
    if (localLocks.get(key) === settled) localLocks.delete(key);
  }
}

async function appendWithConfirmation<T>(job: TaggedAppend<T>): Promise<TaggedAppendResult> {
  // The longest read-to-write gap seen: how long another writer may sit on a stale copy.
  let gapMs = 0;
  // The manifest digest as it was when we last looked (read or wrote it).
  let lastSeen: string | undefined;
  let wrote = false;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const readAt = Date.now();
    const current = await readTag(job);
    gapMs = Math.max(gapMs, Date.now() - readAt);
    if (current && job.contains(current.value)) {
      // There before we started (an earlier write of the same entry), or there and nobody has
      // written the tag since we last looked, a whole settle period ago: done.
      if (round === 0) return { added: false, manifest: current.descriptor };
      if (current.descriptor.digest === lastSeen) return { added: wrote, manifest: current.descriptor };
      lastSeen = current.descriptor.digest;
    } else {
      const next = await job.append(current?.value);
      lastSeen = (await job.store.putManifest(next.bytes, next.mediaType, job.tag)).digest;
      wrote = true;
      gapMs = Math.max(gapMs, Date.now() - readAt);
    }
    // A concurrent writer that read before our write finishes its own write within about one
    // read-to-write gap; waiting a few of those before re-reading lets us see whether it dropped us.
    // The jitter keeps writers that collided from colliding again in lockstep.
    const settleMs = Math.max(MIN_SETTLE_MS, 3 * gapMs);
    await sleep(settleMs + (Math.random() * settleMs) / 2);
  }
  throw new ShipshapeError('network', `could not ${job.what} after ${MAX_ROUNDS} attempts (heavy concurrent writing?)`, {
    where: `${job.store.location}:${job.tag}`,
  });
}

async function readTag<T>(job: TaggedAppend<T>): Promise<{ value: T; descriptor: Descriptor } | undefined> {
  let fetched: FetchedManifest;
  try {
    fetched = await job.store.getManifest(job.tag);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  return { value: job.parse(fetched), descriptor: fetched.descriptor };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
