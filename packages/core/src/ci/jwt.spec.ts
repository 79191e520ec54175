import { isShipshapeError, ShipshapeError } from '../errors';
import { decodeJwtClaims, isTokenExpired } from './jwt';
import { githubClaims, makeJwt } from './test-support/jwt';

function decodeError(token: string, source?: string): ShipshapeError {
  try {
    decodeJwtClaims(token, source);
  } catch (error) {
    if (isShipshapeError(error)) return error;
    throw error;
  }
  throw new Error('expected decodeJwtClaims to throw');
}

describe('decodeJwtClaims', () => {
  it('reads the claims of a GitHub Actions ID token', () => {
    const claims = decodeJwtClaims(makeJwt(githubClaims('sigstore', Date.UTC(2025, 0, 1))));
    expect(claims).toMatchObject({
      iss: 'https://token.actions.githubusercontent.com',
      sub: 'repo:acme/shop:ref:refs/tags/v1.4.0',
      aud: ['sigstore'],
      exp: Date.UTC(2025, 0, 1) / 1000 + 300,
      job_workflow_ref: 'acme/shop/.github/workflows/release.yml@refs/tags/v1.4.0',
      runner_environment: 'github-hosted',
    });
    expect(claims.all.repository).toBe('acme/shop');
  });

  it('reads an audience list and provider-specific claims', () => {
    const claims = decodeJwtClaims(
      makeJwt({
        iss: 'https://gitlab.com',
        sub: 'project_path:acme/platform/shop:ref_type:branch:ref:main',
        aud: ['sigstore', 'https://vault.acme.example'],
        exp: 2_000_000_000,
        ci_config_ref_uri: 'gitlab.com/acme/platform/shop//.gitlab-ci.yml@refs/heads/main',
        runner_environment: 'gitlab-hosted',
      }),
    );
    expect(claims.aud).toEqual(['sigstore', 'https://vault.acme.example']);
    expect(claims.job_workflow_ref).toBeUndefined();
    expect(claims.runner_environment).toBe('gitlab-hosted');
    expect(claims.all.ci_config_ref_uri).toBe('gitlab.com/acme/platform/shop//.gitlab-ci.yml@refs/heads/main');
  });

  it('tolerates surrounding whitespace (a token read from a file ends with a newline)', () => {
    expect(decodeJwtClaims(`${makeJwt(githubClaims())}\n`).iss).toBe('https://token.actions.githubusercontent.com');
  });

  const valid = makeJwt(githubClaims());
  const [header, payload, signature] = valid.split('.');
  const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

  it.each([
    ['two parts', `${header}.${payload}`, /three base64url parts/],
    ['no signature', `${header}.${payload}.`, /three base64url parts/],
    ['a quoted token', `"${valid}"`, /three base64url parts/],
    ['characters outside base64url', `${header}.${payload}+/.${signature}`, /three base64url parts/],
    ['a header that is not JSON', `${b64('not json')}.${payload}.${signature}`, /header is not base64url-encoded JSON/],
    ['a payload that is not JSON', `${header}.${b64('{"iss": ')}.${signature}`, /payload is not a base64url-encoded JSON object/],
    ['a payload that is an array', `${header}.${b64(['iss'])}.${signature}`, /payload is not a base64url-encoded JSON object/],
    ['a missing issuer', `${header}.${b64({ sub: 'x', aud: 'sigstore' })}.${signature}`, /claim "iss" missing or of the wrong type/],
    ['claims of the wrong type', `${header}.${b64({ iss: 'https://issuer', sub: 7, aud: 3 })}.${signature}`, /claims "sub", "aud" missing or of the wrong type/],
  ])('rejects %s with a clear input error that never shows the token', (_name, token, message) => {
    const error = decodeError(token, 'SIGSTORE_ID_TOKEN');
    expect(error.kind).toBe('input');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/^SIGSTORE_ID_TOKEN is not a usable JWT: /);
    expect(error.message).toMatch(message);
    expect(error.where).toBe('SIGSTORE_ID_TOKEN');
    const shown = error.describe();
    for (const piece of token.split('.').filter((p) => p.length > 3)) expect(shown).not.toContain(piece);
  });
});

describe('isTokenExpired', () => {
  const now = new Date('2025-06-01T12:00:00Z');
  const at = (iso: string) => new Date(iso).getTime() / 1000;

  it('tells an expired token from a live one', () => {
    expect(isTokenExpired({ exp: at('2025-06-01T11:59:59Z') }, now)).toBe(true);
    expect(isTokenExpired({ exp: at('2025-06-01T12:00:00Z') }, now)).toBe(true);
    expect(isTokenExpired({ exp: at('2025-06-01T12:05:00Z') }, now)).toBe(false);
    expect(isTokenExpired({}, now)).toBe(false);
  });
});
