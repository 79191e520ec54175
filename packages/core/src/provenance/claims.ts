/**
 * The CI's OIDC token, read for what it says about the build. GitHub puts the job's workflow — the
 * reusable workflow when one is called, which no environment variable names — in `job_workflow_ref`,
 * and GitHub's own provenance takes every field from the token (actions/toolkit `buildSLSAProvenancePredicate`).
 * A missing token is normal (key-based signing, no `id-token: write`): provenance then comes from the
 * environment, and the build goes on (fail-open).
 */
import type { CiContext, CiEnv, OidcTokenClaims } from '../ci';
import { acquireOidcToken, decodeJwtClaims } from '../ci';
import { ShipshapeError } from '../errors';
import type { Logger } from '../exec/logger';
import { secrets as processSecrets, type SecretRegistry } from '../exec/secrets';

export interface ReadClaimsOptions {
  env: CiEnv;
  logger: Logger;
  secrets?: SecretRegistry;
  /** For embedders and tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  retryDelaysMs?: readonly number[];
}

/** The token's claims when the provider gives this job one; undefined (with a note why) when not. */
export async function readBuildClaims(context: Pick<CiContext, 'provider'>, options: ReadClaimsOptions): Promise<OidcTokenClaims | undefined> {
  const { env, logger } = options;
  switch (context.provider) {
    case 'github-actions': {
      const available = Boolean(env.SIGSTORE_ID_TOKEN?.trim()) || Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL?.trim() && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN?.trim());
      if (!available) {
        logger.info('no GitHub Actions OIDC token (the job lacks `permissions: id-token: write`): the builder id comes from GITHUB_WORKFLOW_REF');
        return undefined;
      }
      try {
        const token = await acquireOidcToken(context, { env, logger, secrets: options.secrets, fetch: options.fetch, retryDelaysMs: options.retryDelaysMs });
        return token.claims;
      } catch (error) {
        if (!(error instanceof ShipshapeError)) throw error;
        logger.warn(`could not read the OIDC token for provenance (${error.message}); the builder id comes from GITHUB_WORKFLOW_REF`);
        return undefined;
      }
    }
    case 'gitlab-ci': {
      // Only an `id_tokens:` entry the job declared; GitLab has no token service to ask.
      const token = env.SIGSTORE_ID_TOKEN?.trim();
      if (!token) return undefined;
      (options.secrets ?? processSecrets).add(token);
      try {
        return decodeJwtClaims(token, 'SIGSTORE_ID_TOKEN');
      } catch (error) {
        if (!(error instanceof ShipshapeError)) throw error;
        logger.warn(`${error.message}; provenance is made from the CI variables alone`);
        return undefined;
      }
    }
    default:
      return undefined;
  }
}

/** A claim's value when it is a non-empty string (claims are untrusted input like any other). */
export function stringClaim(claims: OidcTokenClaims | undefined, name: string): string | undefined {
  const value = claims?.all[name];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
