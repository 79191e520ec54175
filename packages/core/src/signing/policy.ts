/**
 * The verification policy from the effective configuration (`signing.verify`, overridden by
 * `--key` / `--certificate-identity…` flags through the config's CLI layer): a public key, or a
 * keyless identity + issuer against a Sigstore trusted root.
 */
import { resolveSecret, type SigningConfig } from '../config';
import { ShipshapeError } from '../errors';
import { loadPublicKey } from './keys';
import { loadTrustedRoot } from './trust';
import type { VerificationPolicy } from './types';

export interface PolicyOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

export async function verificationPolicy(signing: SigningConfig, options: PolicyOptions): Promise<VerificationPolicy> {
  const { verify } = signing;
  const keyless = verify.identity ?? verify.identityRegexp ?? verify.oidcIssuer ?? verify.oidcIssuerRegexp;
  const trustedRootFile = signing.trustedRoot;

  if (verify.key) {
    const publicKey = await loadPublicKey(verify.key, { env: options.env, cwd: options.cwd });
    return { kind: 'key', publicKeys: [publicKey], trustedRoot: trustedRootFile ? (await loadTrustedRoot({ file: trustedRootFile })).trustedRoot : undefined };
  }
  if (keyless !== undefined || signing.keyless) {
    const identity = verify.identity ?? (verify.identityRegexp === undefined ? ciIdentity(options.env) : undefined);
    if (identity === undefined && verify.identityRegexp === undefined) {
      throw new ShipshapeError('usage', 'keyless verification needs the expected signer identity', {
        hint: 'pass --certificate-identity or --certificate-identity-regexp (or set signing.verify.identity in security.yaml)',
      });
    }
    if (verify.oidcIssuer === undefined && verify.oidcIssuerRegexp === undefined) {
      throw new ShipshapeError('usage', 'keyless verification needs the expected OIDC issuer', {
        hint: 'pass --certificate-oidc-issuer or --certificate-oidc-issuer-regexp (or set signing.verify.oidcIssuer)',
      });
    }
    const { trustedRoot } = await loadTrustedRoot({ file: trustedRootFile });
    return { kind: 'keyless', identity, identityRegexp: verify.identityRegexp, issuer: verify.oidcIssuer, issuerRegexp: verify.oidcIssuerRegexp, trustedRoot };
  }
  if (signing.key) {
    // Like `cosign verify --key cosign.key`: the public half of the signing key.
    const password = signing.password ? await resolveSecret(signing.password, options.env, { field: 'signing.password' }) : undefined;
    const publicKey = await loadPublicKey(signing.key, { env: options.env, cwd: options.cwd, password });
    return { kind: 'key', publicKeys: [publicKey], trustedRoot: trustedRootFile ? (await loadTrustedRoot({ file: trustedRootFile })).trustedRoot : undefined };
  }
  throw new ShipshapeError('usage', 'nothing to verify with', {
    hint: 'pass --key cosign.pub, or --certificate-identity and --certificate-oidc-issuer',
  });
}

/**
 * With no identity configured, a GitHub Actions run verifies what its own workflow signed (the
 * identity Fulcio certifies for it); anywhere else an identity must be given — "any signer from
 * this issuer" would accept everyone's signatures.
 */
function ciIdentity(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_WORKFLOW_REF) return `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_WORKFLOW_REF}`;
  return undefined;
}
