/**
 * @shipshape/core public API: every engine module. Callers that want only part of it (and a faster
 * start) import an entry point instead: `@shipshape/core/base`, `/signing`, `/attest`, `/sbom`,
 * `/scan`, `/provenance` (src/entry/).
 */
export * from './entry/base';
export * from './entry/signing';
export * from './entry/attest';
export * from './entry/sbom';
export * from './entry/scan';
export * from './entry/provenance';
export { runCli } from './cli/main';
// config's SignatureFormat (what security.yaml may say, incl. "both") is shadowed here, as before, by the format of one signature.
export type { SignatureFormat } from './entry/signing';
