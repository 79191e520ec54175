import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, MemorySink } from '../exec/logger';
import { SecretRegistry } from '../exec/secrets';
import type { CiProvider } from './context';
import { acquireOidcToken, AcquireOidcTokenOptions } from './oidc';
import { githubClaims, makeJwt } from './test-support/jwt';
import { shipshapeFailure } from '../test-support/failures';

const REQUEST_TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.runner-request-token-payload.runner-request-token-signature';

/** A scripted answer; `hang` never answers (the client's timeout has to end the request). */
type Scripted = { status: number; body: string; contentType?: string } | 'hang';

/**
 * A stand-in for the runner's token service on 127.0.0.1, behaving like GitHub's: 401 without the
 * right bearer token, 400 without an audience, otherwise `{"value": <jwt for that audience>}`.
 * `script` answers the first requests differently (failures before success).
 */
class TokenService {
  readonly requests: { url: URL; authorization?: string; accept?: string }[] = [];
  readonly issued: string[] = [];
  private server!: Server;
  private port = 0;

  constructor(private readonly script: Scripted[] = []) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get requestUrl(): string {
    return `http://127.0.0.1:${this.port}/_apis/distributedtask/hubs/Actions/plans/7d1e/jobs/a2f9/idtoken?api-version=2.0`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${this.port}`);
    this.requests.push({ url, authorization: req.headers.authorization, accept: req.headers.accept });
    const scripted = this.script[this.requests.length - 1];
    if (scripted === 'hang') return;
    if (scripted) {
      res.writeHead(scripted.status, { 'content-type': scripted.contentType ?? 'application/json' });
      res.end(scripted.body);
      return;
    }
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization?.toLowerCase() !== `bearer ${REQUEST_TOKEN}`.toLowerCase()) return json(401, { message: 'Bad credentials' });
    const audience = url.searchParams.get('audience');
    if (!audience) return json(400, { message: 'audience is required' });
    const token = makeJwt(githubClaims(audience));
    this.issued.push(token);
    json(200, { count: 1, value: token });
  }
}

const githubEnv = (service: TokenService) => ({
  GITHUB_ACTIONS: 'true',
  ACTIONS_ID_TOKEN_REQUEST_URL: service.requestUrl,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN,
});

/** Everything a test needs to see what reached the logger, with retries that do not wait. */
function harness(overrides: Partial<AcquireOidcTokenOptions> = {}) {
  const secrets = new SecretRegistry();
  const sink = new MemorySink();
  const logger = createLogger({ sink, secrets, verbose: true });
  const options: AcquireOidcTokenOptions = { secrets, logger, retryDelaysMs: [1, 1, 1], ...overrides };
  return { secrets, sink, options };
}

/** No token, nor any of its three parts, in any of `texts`. */
function expectNoneOf(tokens: string[], texts: string[]): void {
  const all = texts.join('\n');
  for (const token of tokens) {
    expect(all).not.toContain(token);
    for (const part of token.split('.')) if (part.length >= 8) expect(all).not.toContain(part);
  }
}

const ctx = (provider: CiProvider) => ({ provider });

describe('acquireOidcToken: GitHub Actions', () => {
  let service: TokenService;
  afterEach(async () => service?.stop());

  it('requests a token for audience "sigstore" with the runner request token as bearer', async () => {
    service = await new TokenService().start();
    const { sink, secrets, options } = harness();
    const result = await acquireOidcToken(ctx('github-actions'), { ...options, env: githubEnv(service) });

    expect(service.requests).toHaveLength(1);
    const [request] = service.requests;
    expect(request.authorization).toBe(`bearer ${REQUEST_TOKEN}`);
    expect(request.url.searchParams.get('audience')).toBe('sigstore');
    expect(request.url.searchParams.get('api-version')).toBe('2.0');
    expect(request.url.pathname).toBe('/_apis/distributedtask/hubs/Actions/plans/7d1e/jobs/a2f9/idtoken');

    expect(result.source).toBe('github-actions');
    expect(result.token).toBe(service.issued[0]);
    expect(result.claims.aud).toEqual(['sigstore']);
    expect(result.claims.job_workflow_ref).toBe('acme/shop/.github/workflows/release.yml@refs/tags/v1.4.0');
    expect(secrets.redact(result.token)).toBe('***');
    expect(sink.text()).toContain('issuer https://token.actions.githubusercontent.com, subject repo:acme/shop:ref:refs/tags/v1.4.0');
    expect(sink.lines.filter((l) => l.level === 'warn')).toEqual([]);
    expectNoneOf([result.token, REQUEST_TOKEN], [sink.text()]);
  });

  it('asks for the audience it is given (a private Sigstore instance)', async () => {
    service = await new TokenService().start();
    const { options } = harness();
    const result = await acquireOidcToken(ctx('github-actions'), { ...options, env: githubEnv(service), audience: 'https://fulcio.acme.example' });
    expect(service.requests[0].url.searchParams.get('audience')).toBe('https://fulcio.acme.example');
    expect(result.claims.aud).toEqual(['https://fulcio.acme.example']);
  });

  it('retries a 500 and then succeeds, logging the retry without any token', async () => {
    service = await new TokenService([{ status: 500, body: '{"message":"Internal error"}' }]).start();
    const { sink, options } = harness();
    const result = await acquireOidcToken(ctx('github-actions'), { ...options, env: githubEnv(service) });
    expect(service.requests).toHaveLength(2);
    expect(result.token).toBe(service.issued[0]);
    expect(sink.lines.filter((l) => l.level === 'warn').map((l) => l.line)).toEqual([
      'warning: GitHub Actions OIDC token request failed (HTTP 500); retrying, attempt 2 of 4',
    ]);
    expectNoneOf([result.token, REQUEST_TOKEN], [sink.text()]);
  });

  it('gives up after the last retry with a network error', async () => {
    const busy = { status: 503, body: 'Service Unavailable', contentType: 'text/plain' };
    service = await new TokenService([busy, busy, busy, busy]).start();
    const { options } = harness();
    const error = await shipshapeFailure(acquireOidcToken(ctx('github-actions'), { ...options, env: githubEnv(service) }));
    expect(service.requests).toHaveLength(4);
    expect(error.kind).toBe('network');
    expect(error.message).toBe("GitHub Actions' OIDC token service kept failing: HTTP 503 after 4 attempts");
    expect(error.where).toBe(`GitHub Actions OIDC token service (127.0.0.1:${new URL(service.requestUrl).port})`);
  });

  it('retries when the service cannot be reached at all', async () => {
    service = await new TokenService().start();
    const env = githubEnv(service);
    await service.stop();
    const { sink, options } = harness({ retryDelaysMs: [1, 1] });
    const error = await shipshapeFailure(acquireOidcToken(ctx('github-actions'), { ...options, env }));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/^could not get an OIDC token from GitHub Actions after 3 attempts: fetch failed \(ECONNREFUSED\)$/);
    expect(sink.lines.filter((l) => l.level === 'warn')).toHaveLength(2);
    expectNoneOf([REQUEST_TOKEN], [error.describe(), sink.text()]);
  });

  it('ends a request the service never answers with the timeout, and retries it', async () => {
    service = await new TokenService(['hang']).start();
    const { sink, options } = harness({ timeoutMs: 200, retryDelaysMs: [1] });
    const result = await acquireOidcToken(ctx('github-actions'), { ...options, env: githubEnv(service) });
    expect(service.requests).toHaveLength(2);
    expect(result.token).toBe(service.issued[0]);
    expect(sink.text()).toContain('GitHub Actions OIDC token request failed (the request timed out); retrying, attempt 2 of 2');
  });

  it('explains a 403 without retrying, and masks a request token the server echoes back', async () => {
    service = await new TokenService([{ status: 403, body: JSON.stringify({ message: `Token ${REQUEST_TOKEN} may not request id tokens` }) }]).start();
    const { sink, options } = harness();
    const error = await shipshapeFailure(acquireOidcToken(ctx('github-actions'), { ...options, env: githubEnv(service) }));
    expect(service.requests).toHaveLength(1);
    expect(error.kind).toBe('config');
    expect(error.message).toBe('GitHub Actions refused the OIDC token request: HTTP 403 (Token *** may not request id tokens)');
    expect(error.hint).toContain('permissions: id-token: write');
    expectNoneOf([REQUEST_TOKEN], [error.describe(), sink.text()]);
  });

  it('is refused by the service when the request token is wrong (401)', async () => {
    service = await new TokenService().start();
    const { options } = harness();
    const error = await shipshapeFailure(
      acquireOidcToken(ctx('github-actions'), { ...options, env: { ...githubEnv(service), ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'expired-request-token-0123456789' } }),
    );
    expect(error.message).toBe('GitHub Actions refused the OIDC token request: HTTP 401 (Bad credentials)');
  });

  it('reports a response that is not JSON, without its body', async () => {
    service = await new TokenService([{ status: 200, body: '<html><body>Sign in to continue</body></html>', contentType: 'text/html' }]).start();
    const { options } = harness();
    const error = await shipshapeFailure(acquireOidcToken(ctx('github-actions'), { ...options, env: githubEnv(service) }));
    expect(error.kind).toBe('input');
    expect(error.message).toBe("GitHub Actions' OIDC token service answered with something other than JSON (content-type text/html)");
    expect(error.describe()).not.toContain('Sign in');
  });

  it('reports JSON without a token', async () => {
    service = await new TokenService([{ status: 200, body: '{"count":0}' }]).start();
    const { options } = harness();
    const error = await shipshapeFailure(acquireOidcToken(ctx('github-actions'), { ...options, env: githubEnv(service) }));
    expect(error.message).toBe(`GitHub Actions' OIDC token service answered with JSON without a token in "value"`);
  });

  it('rejects a value that is not a JWT without printing it', async () => {
    const junk = 'opaque-access-token-that-is-not-a-jwt-1234567890';
    service = await new TokenService([{ status: 200, body: JSON.stringify({ value: junk }) }]).start();
    const { sink, secrets, options } = harness();
    const error = await shipshapeFailure(acquireOidcToken(ctx('github-actions'), { ...options, env: githubEnv(service) }));
    expect(error.kind).toBe('input');
    expect(error.message).toBe('the GitHub Actions OIDC token is not a usable JWT: expected three base64url parts separated by dots');
    expect(secrets.has(junk)).toBe(true);
    expectNoneOf([junk], [error.describe(), sink.text()]);
  });

  it('explains the missing permission when the runner gave no request URL or token', async () => {
    const { options } = harness();
    const error = await shipshapeFailure(acquireOidcToken(ctx('github-actions'), { ...options, env: { GITHUB_ACTIONS: 'true' } }));
    expect(error.kind).toBe('config');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set');
    expect(error.hint).toMatch(/permissions: id-token: write/);
  });

  it('prefers an explicit SIGSTORE_ID_TOKEN and makes no request', async () => {
    service = await new TokenService().start();
    const explicit = makeJwt(githubClaims());
    const { options } = harness();
    const result = await acquireOidcToken(ctx('github-actions'), { ...options, env: { ...githubEnv(service), SIGSTORE_ID_TOKEN: explicit } });
    expect(result).toMatchObject({ token: explicit, source: 'SIGSTORE_ID_TOKEN', variable: 'SIGSTORE_ID_TOKEN' });
    expect(service.requests).toHaveLength(0);
  });
});

describe('acquireOidcToken: GitLab CI', () => {
  it('takes the id_tokens entry exposed as SIGSTORE_ID_TOKEN', async () => {
    const token = makeJwt({
      iss: 'https://gitlab.com',
      sub: 'project_path:acme/platform/shop:ref_type:branch:ref:main',
      aud: 'sigstore',
      exp: Math.floor(Date.now() / 1000) + 300,
      runner_environment: 'gitlab-hosted',
    });
    const { sink, secrets, options } = harness();
    const result = await acquireOidcToken(ctx('gitlab-ci'), { ...options, env: { GITLAB_CI: 'true', SIGSTORE_ID_TOKEN: token } });
    expect(result).toMatchObject({ token, source: 'gitlab-ci', variable: 'SIGSTORE_ID_TOKEN' });
    expect(result.claims.runner_environment).toBe('gitlab-hosted');
    expect(secrets.has(token)).toBe(true);
    expectNoneOf([token], [sink.text()]);
  });

  it('explains how to declare the ID token when there is none', async () => {
    const { options } = harness();
    const error = await shipshapeFailure(acquireOidcToken(ctx('gitlab-ci'), { ...options, env: { GITLAB_CI: 'true' } }));
    expect(error.kind).toBe('config');
    expect(error.where).toBe('.gitlab-ci.yml');
    expect(error.hint).toContain('id_tokens:\n      SIGSTORE_ID_TOKEN:\n        aud: sigstore');
  });
});

describe('acquireOidcToken: CircleCI', () => {
  const circleToken = (aud: string) =>
    makeJwt({
      iss: 'https://oidc.circleci.com/org/8d3c2a1b-0000-4000-8000-000000000001',
      sub: 'org/8d3c2a1b-0000-4000-8000-000000000001/project/0a1b2c3d-0000-4000-8000-000000000002/user/5e6f7a8b-0000-4000-8000-000000000003',
      aud,
      exp: Math.floor(Date.now() / 1000) + 3600,
    });

  it('prefers CIRCLE_OIDC_TOKEN_V2 over CIRCLE_OIDC_TOKEN', async () => {
    const v2 = circleToken('sigstore');
    const v1 = circleToken('sigstore');
    const { options } = harness();
    const result = await acquireOidcToken(ctx('circleci'), { ...options, env: { CIRCLECI: 'true', CIRCLE_OIDC_TOKEN_V2: v2, CIRCLE_OIDC_TOKEN: v1 } });
    expect(result).toMatchObject({ token: v2, source: 'circleci', variable: 'CIRCLE_OIDC_TOKEN_V2' });
  });

  it('falls back to CIRCLE_OIDC_TOKEN, and says how to get one for sigstore when its audience is the organization', async () => {
    const v1 = circleToken('8d3c2a1b-0000-4000-8000-000000000001');
    const { sink, options } = harness();
    const result = await acquireOidcToken(ctx('circleci'), { ...options, env: { CIRCLECI: 'true', CIRCLE_OIDC_TOKEN: v1 } });
    expect(result).toMatchObject({ token: v1, variable: 'CIRCLE_OIDC_TOKEN' });
    const warnings = sink.lines.filter((l) => l.level === 'warn').map((l) => l.line);
    expect(warnings).toEqual([
      `warning: CIRCLE_OIDC_TOKEN is for audience "8d3c2a1b-0000-4000-8000-000000000001", not "sigstore"; Fulcio may refuse it — mint one with \`circleci run oidc get --claims '{"aud":"sigstore"}'\` and export it as SIGSTORE_ID_TOKEN`,
    ]);
    expectNoneOf([v1], [sink.text()]);
  });

  it('says what to do when CircleCI gave no token', async () => {
    const { options } = harness();
    const error = await shipshapeFailure(acquireOidcToken(ctx('circleci'), { ...options, env: { CIRCLECI: 'true' } }));
    expect(error.message).toContain('CIRCLE_OIDC_TOKEN_V2 and CIRCLE_OIDC_TOKEN are not set');
    expect(error.hint).toContain(`circleci run oidc get --claims '{"aud":"sigstore"}'`);
  });
});

describe('acquireOidcToken: explicit token and no token', () => {
  it('uses SIGSTORE_ID_TOKEN anywhere, and warns when it has expired', async () => {
    const expired = makeJwt({ ...githubClaims('sigstore', Date.UTC(2025, 0, 1)) });
    const { sink, options } = harness({ now: () => new Date(Date.UTC(2025, 0, 1, 1)) });
    const result = await acquireOidcToken(ctx('local'), { ...options, env: { SIGSTORE_ID_TOKEN: expired } });
    expect(result.source).toBe('SIGSTORE_ID_TOKEN');
    expect(sink.lines.filter((l) => l.level === 'warn').map((l) => l.line)).toEqual([
      'warning: SIGSTORE_ID_TOKEN expired at 2025-01-01T00:05:00.000Z; Fulcio will refuse it — request a fresh token',
    ]);
    expectNoneOf([expired], [sink.text()]);
  });

  it('rejects a malformed SIGSTORE_ID_TOKEN with an input error that does not show it', async () => {
    const pasted = 'Bearer abc.def';
    const { sink, options } = harness();
    const error = await shipshapeFailure(acquireOidcToken(ctx('jenkins'), { ...options, env: { SIGSTORE_ID_TOKEN: pasted } }));
    expect(error.kind).toBe('input');
    expect(error.where).toBe('SIGSTORE_ID_TOKEN');
    expect(error.describe()).not.toContain('abc.def');
    expect(sink.text()).toBe('');
  });

  it('says plainly that a local run or Jenkins has no ambient token', async () => {
    const { options } = harness();
    const local = await shipshapeFailure(acquireOidcToken(ctx('local'), { ...options, env: {} }));
    expect(local.kind).toBe('config');
    expect(local.message).toBe('no OIDC token for keyless signing: not running in CI and SIGSTORE_ID_TOKEN is not set');
    expect(local.hint).toContain('--key');
    const jenkins = await shipshapeFailure(acquireOidcToken(ctx('jenkins'), { ...options, env: { JENKINS_URL: 'https://ci.acme.example/' } }));
    expect(jenkins.message).toBe('no OIDC token for keyless signing: jenkins provides none and SIGSTORE_ID_TOKEN is not set');
  });

  it('registers every token variable of the environment before doing anything else', async () => {
    const { secrets, options } = harness();
    const v2 = 'circle-v2-token-value-that-is-long-enough';
    await shipshapeFailure(acquireOidcToken(ctx('local'), { ...options, env: { CIRCLE_OIDC_TOKEN_V2: v2, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN } }));
    expect(secrets.has(v2)).toBe(true);
    expect(secrets.has(REQUEST_TOKEN)).toBe(true);
  });
});
