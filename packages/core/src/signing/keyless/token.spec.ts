/** Token handling for keyless signing: refresh before expiry, and the identity Fulcio will certify. */
import { decodeJwtClaims, type OidcToken } from '../../ci';
import { githubClaims, makeJwt } from '../../ci/test-support/jwt';
import { SecretRegistry } from '../../exec/secrets';
import { cachingTokenProvider, certificateIdentityForClaims, ciTokenProvider } from './token';

const token = (claims: Record<string, unknown>): OidcToken => {
  const jwt = makeJwt({ iss: 'https://issuer.example.com', sub: 'someone', aud: 'sigstore', ...claims });
  return { token: jwt, source: 'SIGSTORE_ID_TOKEN', claims: decodeJwtClaims(jwt) };
};

describe('cachingTokenProvider', () => {
  it('reuses a token until it is about to expire, then asks for a new one', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const issued: OidcToken[] = [];
    const provider = cachingTokenProvider(
      async () => {
        const next = token({ exp: Math.floor(clock / 1000) + 300, jti: String(issued.length) });
        issued.push(next);
        return next;
      },
      () => new Date(clock),
    );
    const first = await provider();
    clock += 200_000;
    expect(await provider()).toBe(first);
    // 30 s before expiry the token is replaced, so Fulcio never sees an expired one.
    clock += 75_000;
    const second = await provider();
    expect(second).not.toBe(first);
    expect(issued).toHaveLength(2);
  });

  it('asks once for callers that arrive together', async () => {
    let calls = 0;
    const provider = cachingTokenProvider(async () => {
      calls++;
      return token({ exp: Math.floor(Date.now() / 1000) + 300 });
    });
    const [a, b] = await Promise.all([provider(), provider()]);
    expect(a).toBe(b);
    expect(calls).toBe(1);
  });
});

describe('ciTokenProvider', () => {
  it('reads SIGSTORE_ID_TOKEN through the CI module and registers it as a secret', async () => {
    const secrets = new SecretRegistry();
    const jwt = makeJwt({ iss: 'https://issuer.example.com', sub: 'someone', aud: 'sigstore' });
    const acquired = await ciTokenProvider({ env: { SIGSTORE_ID_TOKEN: jwt }, secrets })();
    expect(acquired).toMatchObject({ token: jwt, source: 'SIGSTORE_ID_TOKEN', variable: 'SIGSTORE_ID_TOKEN' });
    expect(secrets.redact(`token=${jwt}`)).toBe('token=***');
  });
});

describe('certificateIdentityForClaims', () => {
  it('names what Fulcio puts in the SAN for each kind of issuer', () => {
    expect(certificateIdentityForClaims(decodeJwtClaims(makeJwt(githubClaims())))).toBe('https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/v1.4.0');
    expect(
      certificateIdentityForClaims(
        token({ iss: 'https://gitlab.com', sub: 'project_path:acme/shop:ref_type:branch:ref:main', ci_config_ref_uri: 'gitlab.com/acme/shop//.gitlab-ci.yml@refs/heads/main' }).claims,
      ),
    ).toBe('https://gitlab.com/acme/shop//.gitlab-ci.yml@refs/heads/main');
    expect(certificateIdentityForClaims(token({ iss: 'https://accounts.google.com', sub: '1234', email: 'dev@example.com', email_verified: true }).claims)).toBe('dev@example.com');
    expect(certificateIdentityForClaims(token({ sub: 'spiffe://example.org/ci' }).claims)).toBe('spiffe://example.org/ci');
  });
});
