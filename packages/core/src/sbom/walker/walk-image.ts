/**
 * All layers of one image manifest → the image's final filesystem for catalogers. Layers come from the
 * layer cache when it has them and are streamed from the store otherwise (each blob opened once).
 * Layers are independent until they are stacked, so a few are read at a time (downloads overlap, and
 * zlib inflates on the thread pool while this thread walks another layer's tar), largest first (the
 * longest one bounds the walk), and they are stacked strictly in manifest order.
 *
 * Worker threads were tried (each layer decompressed, walked and cataloged in a worker): on the SBOM
 * benchmark's image they cost ~20% more CPU (each worker loads and JIT-compiles the walker anew) and
 * ~55 MiB more memory, and ended slower than this, so layers are read in this thread.
 */
import type { Logger } from '../../exec/logger';
import type { Descriptor } from '../../oci/manifest';
import type { ImageStore } from '../../oci/store';
import { catalogerSetKey, type LayerCache } from '../layer-cache';
import type { Cataloger } from '../types';
import { ImageFilesystem } from './image-filesystem';
import type { LayerResult } from './layer-result';
import { formatBytes, type WalkLimits } from './limits';
import { readLayer } from './read-layer';

export interface WalkImageOptions {
  catalogers: readonly Cataloger[];
  limits: WalkLimits;
  cache?: LayerCache;
  logger?: Logger;
  /** Layers read at the same time. Default 3. */
  concurrency?: number;
  signal?: AbortSignal;
}

/**
 * Results that finished out of order wait to be stacked; past this many bytes of them, the next layer
 * started is the next one in order (so memory stays bounded whatever the layer sizes).
 */
const HELD_RESULTS_BUDGET = 64 * 1024 * 1024;

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // awaited in order below; this only keeps an early failure from being "unhandled"
  return { promise, resolve, reject };
}

export async function walkImageLayers(store: ImageStore, layers: readonly Descriptor[], options: WalkImageOptions): Promise<ImageFilesystem> {
  const { catalogers, limits, cache, logger } = options;
  const setKey = cache ? catalogerSetKey(catalogers, limits) : '';
  const filesystem = new ImageFilesystem(limits.maxCollectedBytes);
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forwardAbort, { once: true });
  options.signal?.throwIfAborted();

  const cached = cache ? await Promise.all(layers.map((l) => cache.has(l.digest, setKey))) : layers.map(() => false);
  const misses = layers.map((_, index) => index).filter((index) => !cached[index]);
  const slots = Math.max(1, options.concurrency ?? 3);

  const read = async (index: number): Promise<LayerResult> => {
    const descriptor = layers[index];
    const result = await readLayer(store, { descriptor, index, count: layers.length }, { catalogers, limits, signal: controller.signal });
    logger?.debug(`layer ${index + 1}/${layers.length} ${descriptor.digest}: ${result.entries} members, ${formatBytes(result.bytes)}, ${result.files.length} files kept`);
    // Only a layer read to its end — digest verified — is ever stored.
    if (cache) await cache.put(result, setKey);
    return result;
  };

  // The layers to read, largest first; each one's result is awaited in manifest order below.
  const pending = [...misses].sort((a, b) => layers[b].size - layers[a].size || a - b);
  const results = new Map(misses.map((index) => [index, deferred<LayerResult>()]));
  const held = new Map<number, number>();
  let heldBytes = 0;
  let running = 0;
  let failed = false;
  const reads = new Set<Promise<unknown>>();
  const startMore = (): void => {
    while (!failed && running < slots && pending.length > 0) {
      const pick = heldBytes > HELD_RESULTS_BUDGET ? pending.indexOf(Math.min(...pending)) : 0;
      const [index] = pending.splice(pick, 1);
      running++;
      const reading = read(index).then(
        (result) => {
          const bytes = resultBytes(result);
          held.set(index, bytes);
          heldBytes += bytes;
          results.get(index)!.resolve(result);
        },
        (error: unknown) => {
          // The first failure ends the walk: the other reads are stopped.
          failed = true;
          controller.abort(error);
          results.get(index)!.reject(error);
        },
      );
      reads.add(reading);
      void reading.finally(() => {
        running--;
        reads.delete(reading);
        startMore();
      });
    }
  };

  try {
    startMore();
    for (let index = 0; index < layers.length; index++) {
      let result: LayerResult | undefined;
      const label = `layer ${index + 1} (${shortDigest(layers[index].digest)})`;
      if (cached[index]) {
        result = await cache!.get(layers[index].digest, setKey);
        if (result) logger?.debug(`layer ${index + 1}/${layers.length} ${layers[index].digest}: from the layer cache`);
        // An entry that went away or turned out unusable since: read the layer now.
        else result = await read(index);
      } else {
        result = await firstFailure(results, index);
        heldBytes -= held.get(index) ?? 0;
        held.delete(index);
        results.delete(index);
        startMore();
      }
      filesystem.apply(result, label);
    }
  } catch (error) {
    failed = true;
    controller.abort(error);
    await Promise.allSettled(reads);
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', forwardAbort);
  }
  return filesystem;
}

/**
 * The result of layer `index` — or, when another layer failed first, that failure: a walk that cannot
 * finish says why as soon as it knows, whichever layer it was.
 */
async function firstFailure(results: Map<number, Deferred<LayerResult>>, index: number): Promise<LayerResult> {
  const own = results.get(index)!.promise;
  const others = [...results.entries()].filter(([i]) => i !== index).map(([, d]) => d.promise.then(() => new Promise<never>(() => undefined)));
  return Promise.race([own, ...others]);
}

/** Bytes a result holds for catalogers (each shared buffer once, roughly). */
function resultBytes(result: LayerResult): number {
  let bytes = 0;
  for (const file of result.files) {
    let largest = 0;
    for (const name in file.contents) largest = Math.max(largest, file.contents[name].length);
    bytes += largest;
  }
  return bytes;
}

/** `sha256:0123456789ab` — enough to tell layers apart in a warning. */
function shortDigest(digest: string): string {
  return digest.slice(0, digest.indexOf(':') + 13);
}
