/** CI detection and OIDC tokens: the public API of `src/ci`. */
export { CI_PROVIDERS, ciContextSchema, ciWorkflowSchema } from './context';
export type { CiContext, CiProvider, CiWorkflow, Env as CiEnv } from './context';
export { detectCiContext, CI_PROVIDER_READERS } from './detect';
export type { DetectCiContextOptions } from './detect';
export { addGitDetails, readGitDetails } from './git';
export type { GitDetails, GitOptions } from './git';
export { normalizeRepositoryUrl, stripUrlCredentials } from './repository-url';
export { acquireOidcToken } from './oidc';
export type { AcquireOidcTokenOptions, OidcToken, OidcTokenSource } from './oidc';
export { decodeJwtClaims, isTokenExpired } from './jwt';
export type { OidcTokenClaims } from './jwt';
export { LOCAL_BUILDER_PREFIX } from './providers/local';
export type { LocalIdentity } from './providers/local';
export { GITHUB_RAW_VARIABLES } from './providers/github';
export { GITLAB_RAW_VARIABLES } from './providers/gitlab';
export { JENKINS_RAW_VARIABLES } from './providers/jenkins';
export { CIRCLECI_RAW_VARIABLES } from './providers/circleci';
