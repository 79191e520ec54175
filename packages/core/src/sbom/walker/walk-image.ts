/**
 * All layers of one image manifest → the image's final filesystem for catalogers. Layers come from the
 * layer cache when it has them and are streamed from the store otherwise (each blob opened once);
 * a few are read at a time (downloads overlap), and they are stacked strictly in manifest order.
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

export async function walkImageLayers(store: ImageStore, layers: readonly Descriptor[], options: WalkImageOptions): Promise<ImageFilesystem> {
  const { catalogers, limits, cache, logger } = options;
  const concurrency = Math.max(1, options.concurrency ?? 3);
  const setKey = cache ? catalogerSetKey(catalogers, limits) : '';
  const filesystem = new ImageFilesystem(limits.maxCollectedBytes);
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forwardAbort, { once: true });
  options.signal?.throwIfAborted();

  const load = async (index: number): Promise<LayerResult> => {
    const descriptor = layers[index];
    const cached = cache ? await cache.get(descriptor.digest, setKey) : undefined;
    if (cached) {
      logger?.debug(`layer ${index + 1}/${layers.length} ${descriptor.digest}: from the layer cache`);
      return cached;
    }
    const result = await readLayer(store, { descriptor, index, count: layers.length }, { catalogers, limits, signal: controller.signal });
    logger?.debug(`layer ${index + 1}/${layers.length} ${descriptor.digest}: ${result.entries} members, ${formatBytes(result.bytes)}, ${result.files.length} files kept`);
    // Only a layer read to its end — digest verified — is ever stored.
    if (cache) await cache.put(result, setKey);
    return result;
  };

  // A window of `concurrency` layers ahead of the one being stacked, so finished results never pile up.
  const inFlight = new Map<number, Promise<LayerResult>>();
  let next = 0;
  try {
    for (let index = 0; index < layers.length; index++) {
      while (next < layers.length && next < index + concurrency) {
        const pending = load(next);
        pending.catch(() => undefined); // awaited in order below
        inFlight.set(next++, pending);
      }
      const result = await inFlight.get(index)!;
      inFlight.delete(index);
      filesystem.apply(result, `layer ${index + 1} (${shortDigest(result.digest)})`);
    }
  } catch (error) {
    controller.abort(error);
    await Promise.allSettled(inFlight.values());
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', forwardAbort);
  }
  return filesystem;
}

/** `sha256:0123456789ab` — enough to tell layers apart in a warning. */
function shortDigest(digest: string): string {
  return digest.slice(0, digest.indexOf(':') + 13);
}
