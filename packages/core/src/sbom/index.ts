/**
 * SBOMs of container images: the native cataloger (layer walker + catalogers), CycloneDX and SPDX
 * writers, the syft and trivy backends, and SBOM attestations.
 */
export type { CatalogContext, CatalogResult, Cataloger, CollectedFile, CollectedFiles, Distro, ImageFile, Package, PackageType } from './types';
export { generateImageSboms, type ImageSbom, type ImageSbomOptions, type SbomTool } from './image-sbom';
export { catalogImage, catalogPlatformImage, type CatalogImageOptions, type CatalogOptions } from './generate';
export { LayerCache, defaultLayerCacheDir, type LayerCacheOptions } from './layer-cache';
export { defaultCatalogers } from './catalogers';
export { platformImages, hostPlatform, type PlatformImage } from './platforms';
export { attachSbom, downloadSbom, SBOM_PREDICATE_TYPES, type AttachSbomRequest, type DownloadedSbom } from './attestation';
export {
  writeSbom,
  writeCycloneDxJson,
  writeSpdxJson,
  buildBom,
  buildSpdxDocument,
  imageIdentity,
  sourceDateEpoch,
  type ImageIdentity,
  type SbomDocumentOptions,
  type SpdxDocument,
} from './writers';
export {
  generateWithTool,
  registryAccessFor,
  syftInvocation,
  trivyInvocation,
  sbomDocumentKind,
  type RegistryAccess,
  type SbomToolName,
  type ToolImageSource,
  type ToolSbomOptions,
  type ToolSbomResult,
} from './backends';
