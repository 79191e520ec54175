/**
 * The shapes the SBOM pieces agree on: the layer walker produces the image's final filesystem
 * (after whiteouts and later-layer overrides) as far as catalogers asked for it; catalogers turn
 * files into packages; writers turn packages into CycloneDX or SPDX.
 */
/** A regular file as it exists in the final image filesystem. */
export interface ImageFile {
  /** Absolute, normalized path inside the image (`/var/lib/dpkg/status`). */
  path: string;
  /** The layer the winning version of the file came from. */
  layerDigest: string;
  size: number;
  mode: number;
}

/** A file whose content a cataloger asked for (bounded), or what its stream extractor kept. */
export interface CollectedFile extends ImageFile {
  content: Buffer;
}

export interface Cataloger {
  name: string;
  /**
   * Called for every regular file in every layer (before whiteouts are known): does this cataloger need
   * the content? Must be cheap — a path test. Return the maximum bytes to keep, or false.
   */
  wants(path: string, file: { size: number; mode: number }): number | false;
  /**
   * For files too large to keep (executables scanned for Go build info, archives): reduce the file's bytes
   * (its chunks, in order, as the layer streams past) to the small part that matters. Chunks are views of
   * the layer's data: copy what you keep. Stopping early (`break`) is fine. Optional; when absent,
   * content is read up to `wants`'s limit.
   */
  extract?(chunks: AsyncIterable<Buffer>, file: { path: string; size: number; mode: number }): Promise<Buffer | undefined>;
  /** Turns the collected files (final filesystem only) into packages. */
  catalog(files: CollectedFiles, context: CatalogContext): Package[] | Promise<Package[]>;
}

export interface CollectedFiles {
  get(path: string): CollectedFile | undefined;
  /** Every collected file this cataloger wanted, in path order. */
  all(): CollectedFile[];
}

export interface CatalogContext {
  distro?: Distro;
  /** The image's platform architecture (`amd64`, `arm64`). */
  architecture?: string;
  /**
   * A bounded skip the user should see (an unsupported database format, a truncated file): the
   * orchestrator adds it to `CatalogResult.warnings`. Never carries file contents.
   */
  warn?(message: string): void;
}

/** From /etc/os-release (or /usr/lib/os-release). */
export interface Distro {
  id: string; // debian, ubuntu, alpine, rhel, fedora, wolfi...
  versionId?: string; // 12, 3.19.1, 9.3
  versionCodename?: string;
  name?: string;
  prettyName?: string;
  idLike?: string[];
}

export type PackageType = 'deb' | 'apk' | 'rpm' | 'npm' | 'python' | 'go-module' | 'java-archive';

export interface Package {
  name: string;
  version: string;
  type: PackageType;
  /** Package URL as syft forms it, e.g. pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12 */
  purl: string;
  /** SPDX license expressions or names, as the package database records them. */
  licenses: string[];
  architecture?: string;
  /** Source/origin package (deb Source:, rpm sourcerpm, apk origin). */
  sourceName?: string;
  sourceVersion?: string;
  supplier?: string;
  /** Files that evidence this package (the database file, the package.json, the binary). */
  locations: { path: string; layerDigest: string }[];
  /** Go: the main module or a dependency; Java: groupId; anything else a writer should print. */
  metadata?: Record<string, string>;
  cpes?: string[];
}

/** The cataloging result for one image (one platform). */
export interface CatalogResult {
  imageDigest: string;
  /** `repo@sha256:…` of the image. */
  imageReference: string;
  platform?: { os: string; architecture: string; variant?: string };
  distro?: Distro;
  packages: Package[];
  /** Layers in order, with their digests (compressed) and diff IDs when known. */
  layers: {
    digest: string;
    size: number;
    mediaType: string;
    /** The uncompressed layer's digest (the config's `rootfs.diff_ids`): what syft calls layerID. */
    diffId?: string;
  }[];
  /** Bounded skips and other notes the user should see (a truncated file, an unreadable database). */
  warnings: string[];
}
