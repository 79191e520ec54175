/**
 * `@shipshape/core/base`: what every caller needs and nothing heavy — errors, the logger and secret
 * redaction, the tool runner, the `security:` configuration, CI detection and the OCI layer (references,
 * stores, the registry client). The Nx executors load only the entry points their step uses (an Nx
 * batch process starts faster; see packages/nx/src/lib/batch.ts); `@shipshape/core` loads them all.
 */
export * from '../errors';
export * from '../version';
export * from '../exec';
export * from '../config';
export * from '../ci';
export * from '../oci/reference';
export { openImage, type OpenedImage, type OpenOptions } from '../oci/open';
export { describeImage, selectPlatform, type ImageDescription } from '../oci/image';
export { RegistryClient, type RegistryClientOptions, type RegistryHostSettings } from '../oci/registry/client';
export { registryHostSettings } from '../oci/registry/settings';
