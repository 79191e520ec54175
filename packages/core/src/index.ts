/** @shipshape/core public API: the engine modules the Nx plugin and other callers build on. */
export * from './errors';
export * from './version';
export * from './exec';
export * from './config';
export * from './ci';
export * from './oci/reference';
export { openImage, type OpenedImage, type OpenOptions } from './oci/open';
export { describeImage, selectPlatform, type ImageDescription } from './oci/image';
export { RegistryClient, type RegistryClientOptions, type RegistryHostSettings } from './oci/registry/client';
export { registryHostSettings } from './oci/registry/settings';
export { runCli } from './cli/main';
