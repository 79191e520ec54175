/**
 * From a reference to the store that holds it: a registry repository, an OCI layout, or a
 * docker-archive — and the tag or digest to ask that store for.
 */
import { ShipshapeError } from '../errors';
import { DockerArchiveStore } from './docker-archive/store';
import { OciLayoutStore } from './layout/store';
import { apiHost, formatReference, parseReference, type ImageReference } from './reference';
import { RegistryClient, type RegistryClientOptions } from './registry/client';
import { RegistryRepository } from './registry/repository';
import type { ImageStore } from './store';

export interface OpenedImage {
  reference: ImageReference;
  store: ImageStore;
  /** What to resolve in the store: the digest when the reference has one, else the tag. */
  tagOrDigest: string;
}

export interface OpenOptions extends RegistryClientOptions {
  /** Shared client: connections, tokens and host probes are reused across images. */
  client?: RegistryClient;
}

export function openImage(input: string | ImageReference, options: OpenOptions = {}): OpenedImage {
  const reference = typeof input === 'string' ? parseReference(input) : input;
  switch (reference.kind) {
    case 'registry': {
      const client = options.client ?? new RegistryClient(options);
      const store = new RegistryRepository(client, apiHost(reference), reference.repository);
      return { reference, store, tagOrDigest: reference.digest ?? reference.tag ?? 'latest' };
    }
    case 'oci': {
      const store = new OciLayoutStore(reference.dir);
      const tagOrDigest = reference.digest ?? reference.tag;
      return { reference, store, tagOrDigest: tagOrDigest ?? '' };
    }
    case 'docker-archive':
      return { reference, store: new DockerArchiveStore(reference.file), tagOrDigest: '' };
    default:
      throw new ShipshapeError('input', `unsupported reference ${formatReference(reference)}`);
  }
}
