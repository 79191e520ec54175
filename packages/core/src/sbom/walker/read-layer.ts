/**
 * One layer blob from any store → its LayerResult: opened once (the store verifies size and digest as
 * it streams), decompressed by what its bytes are, walked. Every failure names the layer.
 */
import { ShipshapeError } from '../../errors';
import type { Descriptor } from '../../oci/manifest';
import type { ImageStore } from '../../oci/store';
import type { Cataloger } from '../types';
import type { LayerResult } from './layer-result';
import { messageOf, type WalkLimits } from './limits';
import { openLayerTar } from './layer-stream';
import { walkLayerTar } from './walk-layer';

export interface LayerPosition {
  descriptor: Pick<Descriptor, 'digest' | 'size'>;
  /** 0-based position in the manifest, and the layer count, for messages. */
  index: number;
  count: number;
}

export interface ReadLayerOptions {
  catalogers: readonly Cataloger[];
  limits: WalkLimits;
  signal?: AbortSignal;
}

export async function readLayer(store: ImageStore, layer: LayerPosition, options: ReadLayerOptions): Promise<LayerResult> {
  const { digest } = layer.descriptor;
  const label = `layer ${layer.index + 1} of ${layer.count} (${digest})`;
  options.signal?.throwIfAborted();
  try {
    const blob = await store.openBlob(layer.descriptor);
    const abort = () => blob.destroy(new Error('aborted'));
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      const { tar, decompressedBytes } = await openLayerTar(blob, options.limits);
      const result = await walkLayerTar(tar, { digest, catalogers: options.catalogers, limits: options.limits });
      return { ...result, bytes: decompressedBytes() };
    } finally {
      options.signal?.removeEventListener('abort', abort);
      blob.destroy();
    }
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw layerError(error, label, `${store.location}@${digest}`);
  }
}

function layerError(error: unknown, label: string, where: string): ShipshapeError {
  if (error instanceof ShipshapeError) {
    return new ShipshapeError(error.kind, `${label} cannot be read: ${error.message}`, { where, hint: error.hint, code: error.code, cause: error });
  }
  const message = messageOf(error);
  const code = (error as NodeJS.ErrnoException)?.code ?? '';
  const detail = code.startsWith('Z_')
    ? `its gzip stream is corrupt or truncated (${message})`
    : code.startsWith('ERR_STREAM') || code.startsWith('E')
      ? message
      : `it is not a valid tar archive (${message})`;
  return new ShipshapeError('input', `${label} cannot be read: ${detail}`, { where, cause: error });
}
