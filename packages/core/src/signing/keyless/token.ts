/**
 * Where keyless signing gets its OIDC ID token: the CI module (SIGSTORE_ID_TOKEN, GitHub Actions,
 * GitLab, CircleCI), which registers every token as a secret before anything can print it. Fulcio
 * exchanges the token for a certificate naming the identity the token asserts.
 */
import { acquireOidcToken, detectCiContext, isTokenExpired, type CiEnv, type OidcToken, type OidcTokenClaims } from '../../ci';
import { ShipshapeError } from '../../errors';
import type { Logger } from '../../exec/logger';
import { secrets as processSecrets, type SecretRegistry } from '../../exec/secrets';

/** Returns a fresh (or still valid) OIDC token; called before each certificate request. */
export type OidcTokenProvider = () => Promise<OidcToken>;

export interface CiTokenProviderOptions {
  env?: CiEnv;
  /** The `aud` Fulcio expects: `sigstore` for the public instance. */
  audience?: string;
  logger?: Logger;
  secrets?: SecretRegistry;
  /** For the GitHub Actions token request (tests, proxies). */
  fetch?: typeof fetch;
}

/** Tokens from the CI context of `env`, exactly as the CI module acquires them. */
export function ciTokenProvider(options: CiTokenProviderOptions = {}): OidcTokenProvider {
  const env = options.env ?? process.env;
  const registry = options.secrets ?? options.logger?.secrets ?? processSecrets;
  return () =>
    acquireOidcToken(detectCiContext(env, { secrets: registry }), {
      env,
      audience: options.audience,
      logger: options.logger,
      secrets: registry,
      fetch: options.fetch,
    });
}

/** A token this close to its expiry is replaced before Fulcio sees it (CI tokens live ~5-10 minutes). */
const REFRESH_MARGIN_MS = 30_000;

/**
 * Caches the provider's token and asks again once it is about to expire, so a release that signs
 * many images keeps working past the lifetime of one CI token.
 */
export function cachingTokenProvider(provider: OidcTokenProvider, now: () => Date = () => new Date()): OidcTokenProvider {
  let current: OidcToken | undefined;
  let pending: Promise<OidcToken> | undefined;
  return async () => {
    if (current && !isTokenExpired(current.claims, new Date(now().getTime() + REFRESH_MARGIN_MS))) return current;
    pending ??= provider().finally(() => {
      pending = undefined;
    });
    current = await pending;
    return current;
  };
}

/**
 * The identity Fulcio will put in the certificate's SAN for these claims (fulcio docs/oidc.md):
 * the verified email for email issuers, the workflow for GitHub Actions and GitLab CI, else `sub`.
 */
export function certificateIdentityForClaims(claims: OidcTokenClaims): string {
  if (claims.email) return claims.email;
  const ciConfigRef = claims.all.ci_config_ref_uri;
  if (claims.iss.startsWith('https://token.actions.githubusercontent.com') && claims.job_workflow_ref) {
    return `https://github.com/${claims.job_workflow_ref}`;
  }
  if (typeof ciConfigRef === 'string' && ciConfigRef && /gitlab/i.test(claims.iss)) return `https://${ciConfigRef}`;
  return claims.sub;
}

/**
 * Fulcio proves possession of the key by a signature over the token's email (or `sub`), and refuses
 * an email its issuer has not verified; sigstore-js would put the whole token in that error.
 */
export function assertUsableForFulcio(token: OidcToken): void {
  if (token.claims.email && token.claims.all.email_verified !== true) {
    throw new ShipshapeError('input', `the OIDC token from ${describeSource(token)} names an email address its issuer has not verified (email_verified is not true); Fulcio will not certify it`, {
      where: describeSource(token),
      hint: 'Use a token from an issuer that verifies email addresses, or a CI workload token (GitHub Actions, GitLab CI).',
    });
  }
}

export function describeSource(token: Pick<OidcToken, 'source' | 'variable'>): string {
  return token.variable ?? token.source;
}
