/** Builds JWT-shaped tokens for tests. Unsigned in substance (the signature is random bytes): nothing here verifies. */
import { randomBytes } from 'node:crypto';

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function makeJwt(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT', kid: 'test' }): string {
  return `${part(header)}.${part(claims)}.${randomBytes(64).toString('base64url')}`;
}

/** Claims shaped like a GitHub Actions ID token for `audience`, valid for five minutes from `now`. */
export function githubClaims(audience = 'sigstore', now = Date.now()): Record<string, unknown> {
  const iat = Math.floor(now / 1000);
  return {
    jti: 'b3a6f2d4-1d0e-4f5b-9a62-2f5c1e0d9a77',
    sub: 'repo:acme/shop:ref:refs/tags/v1.4.0',
    aud: audience,
    ref: 'refs/tags/v1.4.0',
    sha: '3f786850e387550fdab836ed7e6dc881de23001b',
    repository: 'acme/shop',
    repository_owner: 'acme',
    run_id: '9876543210',
    run_attempt: '2',
    event_name: 'push',
    job_workflow_ref: 'acme/shop/.github/workflows/release.yml@refs/tags/v1.4.0',
    runner_environment: 'github-hosted',
    iss: 'https://token.actions.githubusercontent.com',
    nbf: iat - 5,
    iat,
    exp: iat + 300,
  };
}
