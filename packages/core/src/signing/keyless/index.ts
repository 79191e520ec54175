/** Keyless signing with sigstore-js: Fulcio certificate, Rekor entry, optional RFC 3161 timestamp. */
export { keylessSigningSetup } from './setup';
export type { KeylessSigningOptions, SigstoreRetry } from './setup';
export { assertUsableForFulcio, cachingTokenProvider, certificateIdentityForClaims, ciTokenProvider } from './token';
export type { CiTokenProviderOptions, OidcTokenProvider } from './token';
export { githubWorkflowClaims, GITHUB_ACTIONS_ISSUER } from './fulcio-extensions';
export { sigstoreServiceError } from './errors';
export type { SigstoreService } from './errors';
