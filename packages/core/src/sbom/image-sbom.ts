/**
 * One SBOM document per image (per platform of a multi-arch index), by the configured tool: the native
 * cataloger with our writers, or syft / trivy pointed at exactly the manifest Shipshape resolved.
 * What the CLI's `sbom generate` and the Nx executor call.
 */
import type { SbomFormat } from '../config/schema';
import type { Logger } from '../exec/logger';
import { formatPlatform, parsePlatform } from '../oci/manifest';
import type { OpenedImage } from '../oci/open';
import type { RegistryReference } from '../oci/reference';
import { parseReference } from '../oci/reference';
import type { RegistryClient } from '../oci/registry/client';
import { generateWithTool, type SbomToolName } from './backends/run';
import { registryAccessFor } from './backends/registry-access';
import type { ToolImageSource } from './backends/source';
import type { TrivyOptions } from './backends/trivy';
import { catalogPlatformImage } from './generate';
import { defaultLayerCacheDir, LayerCache } from './layer-cache';
import { layerCacheMaxBytes } from './layer-cache-eviction';
import { platformImages, type PlatformImage } from './platforms';
import { writeSbom } from './writers';

export type SbomTool = 'native' | SbomToolName;

export interface ImageSbomOptions {
  format: SbomFormat;
  tool: SbomTool;
  /** `linux/arm64`, `all`, or unset for the host's platform (only matters for a multi-arch index). */
  platform?: string;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Shipshape's registry client: registry settings and credentials are handed to syft/trivy from it. */
  client?: RegistryClient;
  /** The document timestamp (native): default now; SOURCE_DATE_EPOCH-style reproducibility when given. */
  timestamp?: Date;
  /** The native generator's layer cache directory (default: SHIPSHAPE_CACHE_DIR, XDG_CACHE_HOME or ~/.cache); false for none. */
  cacheDir?: string | false;
  trivy?: Pick<TrivyOptions, 'cacheDir' | 'offline'>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ImageSbom {
  image: PlatformImage;
  format: SbomFormat;
  tool: SbomTool;
  toolVersion?: string;
  /** The document as written to a file or attached. */
  document: string;
  /** Native only: how many packages, and what was skipped on the way. */
  packages?: number;
  warnings: string[];
}

export async function generateImageSboms(opened: OpenedImage, options: ImageSbomOptions): Promise<ImageSbom[]> {
  const images = await platformImages(opened, options.platform);
  const results: ImageSbom[] = [];
  for (const image of images) {
    if (images.length > 1 && image.platform) options.logger.info(`cataloging ${formatPlatform(image.platform)} (${image.descriptor.digest})`);
    results.push(options.tool === 'native' ? await nativeSbom(opened, image, options) : await toolSbom(options.tool, opened, image, options));
  }
  return results;
}

async function nativeSbom(opened: OpenedImage, image: PlatformImage, options: ImageSbomOptions): Promise<ImageSbom> {
  const cache = options.cacheDir === false ? undefined : new LayerCache({ dir: options.cacheDir ?? defaultLayerCacheDir(options.env), logger: options.logger, maxBytes: layerCacheMaxBytes(options.env) });
  // A single-platform image must be the platform asked for (an index entry was chosen by it already).
  const expectedPlatform = options.platform && options.platform !== 'all' && !image.index ? parsePlatform(options.platform) : undefined;
  const result = await catalogPlatformImage(opened, image, { logger: options.logger, cache, signal: options.signal, expectedPlatform });
  if (result.warnings.length > 0) {
    // Every skip is also in the document (CycloneDX properties, SPDX creation comment); one line here.
    const more = result.warnings.length > 1 ? ` (and ${result.warnings.length - 1} more; --verbose lists them)` : '';
    options.logger.warn(`cataloging ${image.reference}: ${result.warnings[0]}${more}`);
    for (const warning of result.warnings.slice(1)) options.logger.debug(warning);
  }
  const document = writeSbom(result, options.format, { timestamp: options.timestamp });
  await cache?.evict();
  return { image, format: options.format, tool: 'native', document, packages: result.packages.length, warnings: result.warnings };
}

async function toolSbom(tool: SbomToolName, opened: OpenedImage, image: PlatformImage, options: ImageSbomOptions): Promise<ImageSbom> {
  const { source, platform } = await toolSource(opened, image, options);
  const result = await generateWithTool(tool, source, options.format, {
    logger: options.logger,
    env: options.env,
    cwd: options.cwd,
    platform,
    trivy: options.trivy,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
  return { image, format: options.format, tool, toolVersion: result.version, document: result.document, warnings: [] };
}

/**
 * The tool scans the manifest Shipshape chose: a registry image by its platform digest; an OCI layout
 * by the entry of its index.json (and `--platform` when the image sits inside a multi-arch index there).
 */
async function toolSource(opened: OpenedImage, image: PlatformImage, options: ImageSbomOptions): Promise<{ source: ToolImageSource; platform?: string }> {
  const reference = opened.reference;
  switch (reference.kind) {
    case 'registry': {
      const pinned = parseReference(image.reference) as RegistryReference;
      const client = options.client;
      const access = client ? await registryAccessFor(client, pinned, options.env) : { host: pinned.registry };
      return { source: { kind: 'registry', reference: image.reference, access } };
    }
    case 'oci': {
      const nested = image.index !== undefined;
      const selector = nested ? { digest: reference.digest, tag: reference.digest ? undefined : reference.tag } : { digest: image.descriptor.digest };
      return {
        source: { kind: 'oci-dir', dir: reference.dir, ...selector },
        platform: nested && image.platform ? formatPlatform(image.platform) : undefined,
      };
    }
    case 'docker-archive':
      return { source: { kind: 'docker-archive', file: reference.file } };
  }
}
