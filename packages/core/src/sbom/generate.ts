/**
 * An image → its catalog (one CatalogResult per platform): the platform(s) of an index chosen as
 * `platformImages` does, each image's config read for its architecture, its layers walked into the
 * final filesystem, then the catalogers run — the os-release one's `detectDistro` first, so every other
 * cataloger knows the distribution (deb, apk and rpm package URLs name it).
 */
import { z } from 'zod';
import { ShipshapeError } from '../errors';
import type { Logger } from '../exec/logger';
import { formatPlatform, isIndex, platformMatches, type Platform } from '../oci/manifest';
import { DOCKER_CONFIG, OCI_CONFIG } from '../oci/media-types';
import type { OpenedImage } from '../oci/open';
import { defaultCatalogers, detectDistro, OS_RELEASE_CATALOGER_NAME } from './catalogers';
import type { LayerCache } from './layer-cache';
import { platformImages, type PlatformImage } from './platforms';
import type { CatalogContext, CatalogResult, Cataloger, Distro, Package } from './types';
import type { ImageFilesystem } from './walker/image-filesystem';
import { messageOf, resolveLimits, type WalkLimits } from './walker/limits';
import { walkImageLayers } from './walker/walk-image';

export interface CatalogOptions {
  /** Default: every native cataloger (`defaultCatalogers()`). */
  catalogers?: readonly Cataloger[];
  /** Where layer results are kept between runs; none when absent. */
  cache?: LayerCache;
  logger?: Logger;
  limits?: Partial<WalkLimits>;
  /** Layers read at the same time. Default 3. */
  concurrency?: number;
  signal?: AbortSignal;
}

export interface CatalogImageOptions extends CatalogOptions {
  /** One platform of an index, or `all` of them. Default: the host's linux/<arch>. A single image must match it when given. */
  platform?: Platform | 'all';
}

const CONFIG_READ_LIMIT = 8 * 1024 * 1024;
const imageConfigSchema = z.object({ architecture: z.string(), os: z.string(), variant: z.string().optional() }).loose();

export async function catalogImage(opened: OpenedImage, options: CatalogImageOptions = {}): Promise<CatalogResult[]> {
  const { platform, ...rest } = options;
  const images = await platformImages(opened, platform === undefined || platform === 'all' ? platform : formatPlatform(platform));
  const results: CatalogResult[] = [];
  for (const image of images) {
    results.push(await catalogPlatformImage(opened, image, { ...rest, expectedPlatform: platform === 'all' ? undefined : platform }));
  }
  return results;
}

/** One image manifest (as `platformImages` chose it) → its catalog. */
export async function catalogPlatformImage(
  opened: OpenedImage,
  image: PlatformImage,
  options: CatalogOptions & { expectedPlatform?: Platform } = {},
): Promise<CatalogResult> {
  const { store } = opened;
  const where = `${store.location}@${image.descriptor.digest}`;
  const { manifest } = await store.getManifest(image.descriptor.digest);
  if (isIndex(manifest)) throw new ShipshapeError('input', 'the chosen manifest is itself an image index', { where });
  if (manifest.config.mediaType !== OCI_CONFIG && manifest.config.mediaType !== DOCKER_CONFIG) {
    throw new ShipshapeError('input', `this is not a container image (its config is ${manifest.config.mediaType})`, { where });
  }
  let configJson: unknown;
  try {
    configJson = JSON.parse((await store.readBlob(manifest.config, CONFIG_READ_LIMIT)).toString('utf8'));
  } catch (error) {
    if (error instanceof ShipshapeError) throw error;
    throw new ShipshapeError('input', 'the image config is not valid JSON', { where });
  }
  const config = imageConfigSchema.safeParse(configJson);
  if (!config.success) throw new ShipshapeError('input', 'the image config does not name an OS and architecture', { where });
  const platform = { os: config.data.os, architecture: config.data.architecture, ...(config.data.variant ? { variant: config.data.variant } : {}) };
  const expected = options.expectedPlatform;
  if (expected && !platformMatches(platform, expected)) {
    throw new ShipshapeError('input', `the image is ${formatPlatform(platform)}, not ${formatPlatform(expected)}`, { where, hint: 'leave out --platform, or name the image of that platform' });
  }

  const catalogers = options.catalogers ?? defaultCatalogers();
  options.logger?.debug(`cataloging ${image.reference} (${formatPlatform(platform)}, ${manifest.layers.length} layers)`);
  const filesystem = await walkImageLayers(store, manifest.layers, {
    catalogers,
    limits: resolveLimits(options.limits),
    cache: options.cache,
    logger: options.logger,
    concurrency: options.concurrency,
    signal: options.signal,
  });
  const warnings: string[] = [];
  const { distro, packages } = await runCatalogers(catalogers, filesystem, platform.architecture, warnings, options.logger);
  return {
    imageDigest: image.descriptor.digest,
    imageReference: image.reference,
    platform,
    distro,
    packages: sortPackages(packages),
    layers: manifest.layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType })),
    warnings: [...filesystem.warnings(), ...warnings],
  };
}

/** The os-release cataloger's distribution first, then every cataloger in order. */
async function runCatalogers(
  catalogers: readonly Cataloger[],
  filesystem: ImageFilesystem,
  architecture: string,
  warnings: string[],
  logger: Logger | undefined,
): Promise<{ distro?: Distro; packages: Package[] }> {
  let distro: Distro | undefined;
  const osRelease = catalogers.find((c) => c.name === OS_RELEASE_CATALOGER_NAME);
  if (osRelease) {
    try {
      distro = detectDistro(filesystem.filesFor(osRelease.name));
    } catch (error) {
      warnings.push(failure(osRelease, error, logger));
    }
  }
  const packages: Package[] = [];
  for (const cataloger of catalogers) {
    const context: CatalogContext = { distro, architecture, warn: (message) => warnings.push(`${cataloger.name}: ${message}`) };
    try {
      packages.push(...(await cataloger.catalog(filesystem.filesFor(cataloger.name), context)));
    } catch (error) {
      // One unreadable database (a hostile or broken file) must not cost the rest of the SBOM.
      warnings.push(failure(cataloger, error, logger));
    }
  }
  return { distro, packages };
}

function failure(cataloger: Cataloger, error: unknown, logger: Logger | undefined): string {
  const message = `the ${cataloger.name} cataloger failed: ${messageOf(error)}`;
  logger?.warn(message);
  return message;
}

/** Stable order for reproducible documents: type, name, version, then purl and first location. */
export function sortPackages(packages: readonly Package[]): Package[] {
  const key = (p: Package) => [p.type, p.name, p.version, p.purl, p.locations[0]?.path ?? ''];
  return [...packages].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
    return 0;
  });
}
