/**
 * From Shipshape's view of an image to what the scanners are given: a registry image by its pinned
 * digest with the registry settings and credentials Shipshape uses itself, an OCI layout or a
 * docker-archive by absolute path (scanners run in the caller's directory, but say so exactly).
 */
import * as path from 'node:path';
import type { ImageDescription } from '../oci/image';
import type { OpenedImage } from '../oci/open';
import { parseReference, type RegistryReference } from '../oci/reference';
import type { RegistryClient } from '../oci/registry/client';
import { registryAccessFor } from '../sbom/backends/registry-access';
import type { ScanSource } from './backends/invocation';
import type { ScanTarget } from './model';

export async function imageScanSource(
  opened: OpenedImage,
  description: ImageDescription,
  options: { client?: RegistryClient; env: NodeJS.ProcessEnv; cwd: string },
): Promise<{ source: ScanSource; target: ScanTarget }> {
  const target: ScanTarget = { kind: 'image', reference: description.reference, digest: description.digest };
  const reference = opened.reference;
  switch (reference.kind) {
    case 'registry': {
      const pinned = parseReference(description.reference) as RegistryReference;
      const access = options.client ? await registryAccessFor(options.client, pinned, options.env) : { host: pinned.registry };
      return { source: { kind: 'registry', reference: description.reference, access }, target };
    }
    case 'oci':
      return { source: { kind: 'oci-dir', dir: path.resolve(options.cwd, reference.dir), digest: description.digest }, target };
    case 'docker-archive':
      return { source: { kind: 'docker-archive', file: path.resolve(options.cwd, reference.file) }, target };
  }
}

export function sbomScanSource(file: string, cwd: string): { source: ScanSource; target: ScanTarget } {
  const absolute = path.resolve(cwd, file);
  return { source: { kind: 'sbom', file: absolute }, target: { kind: 'sbom', file: absolute } };
}
