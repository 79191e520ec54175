/**
 * Keyless signing end to end against @sigstore/mock's Fulcio, Rekor and TSA served over HTTP on
 * 127.0.0.1: the token comes through the CI module (SIGSTORE_ID_TOKEN), sigstore-js's builders
 * sign with our setup, and the shared verifier checks the result against a trusted root for the
 * mock services and a keyless policy.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Bundle } from '@sigstore/bundle';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder } from '@sigstore/sign';
import { githubClaims, makeJwt } from '../../ci/test-support/jwt';
import { isShipshapeError, ShipshapeError } from '../../errors';
import { createLogger, MemorySink, type Logger } from '../../exec/logger';
import { SecretRegistry } from '../../exec/secrets';
import { IN_TOTO_PAYLOAD_TYPE, type SigningSetup, type VerificationPolicy } from '../types';
import { verifyBundle } from '../verifier';
import { keylessSigningSetup, type KeylessSigningOptions } from './setup';
import { startMockSigstore, type MockSigstore } from './test-support/mock-sigstore';

const ISSUER = 'https://issuer.example.com';
const IDENTITY = 'https://ci.example.com/acme/shop/release@refs/heads/main';

function userToken(claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return makeJwt({ iss: ISSUER, sub: IDENTITY, aud: 'sigstore', iat: now, nbf: now - 5, exp: now + 600, ...claims });
}

const statement = (digest = 'a'.repeat(64)) =>
  Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: '127.0.0.1:5000/acme/shop', digest: { sha256: digest } }],
      predicateType: 'https://sigstore.dev/cosign/sign/v1',
      predicate: {},
    }),
  );

interface Harness {
  logger: Logger;
  sink: MemorySink;
  secrets: SecretRegistry;
}

function harness(): Harness {
  const sink = new MemorySink();
  const secrets = new SecretRegistry();
  return { sink, secrets, logger: createLogger({ sink, secrets, verbose: true }) };
}

describe('keyless signing against @sigstore/mock', () => {
  let mock: MockSigstore;

  beforeAll(async () => {
    mock = await startMockSigstore();
  });
  afterAll(async () => {
    await mock.close();
  });

  const keylessPolicy = (fields: Omit<Extract<VerificationPolicy, { kind: 'keyless' }>, 'kind' | 'trustedRoot'>): VerificationPolicy => ({
    kind: 'keyless',
    trustedRoot: mock.trustedRoot,
    ...fields,
  });

  async function setupWith(token: string, h: Harness, extra: Partial<KeylessSigningOptions> = {}): Promise<SigningSetup> {
    return keylessSigningSetup({
      logger: h.logger,
      // The CI module's path: a local run with an explicit SIGSTORE_ID_TOKEN.
      env: { SIGSTORE_ID_TOKEN: token, PATH: process.env.PATH },
      fulcioUrl: mock.fulcioUrl,
      rekorUrl: mock.rekorUrl,
      tsaUrl: mock.tsaUrl,
      retry: 0,
      ...extra,
    });
  }

  async function signStatement(setup: SigningSetup, payload = statement()): Promise<Bundle> {
    return new DSSEBundleBuilder({ signer: setup.signer, witnesses: setup.witnesses }).create({ data: payload, type: IN_TOTO_PAYLOAD_TYPE });
  }

  describe('a DSSE statement signed with the keyless setup', () => {
    const h = harness();
    let setup: SigningSetup;
    let bundle: Bundle;
    const token = userToken();

    beforeAll(async () => {
      setup = await setupWith(token, h);
      bundle = await signStatement(setup);
    });

    it('describes the signer by the identity and issuer in the token', () => {
      expect(setup.kind).toBe('keyless');
      expect(setup.description).toBe(`keyless: ${IDENTITY} (${ISSUER})`);
    });

    it('carries a Fulcio certificate, a Rekor dsse entry and an RFC 3161 timestamp', () => {
      expect(bundle.verificationMaterial.content.$case).toBe('certificate');
      expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
      expect(bundle.verificationMaterial.tlogEntries[0].kindVersion).toEqual({ kind: 'dsse', version: '0.0.1' });
      expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
      // Fulcio received the token it certifies, and the public key to put in the certificate.
      const certRequest = mock.requests.filter((r) => r.service === 'fulcio').at(-1);
      expect(JSON.parse(certRequest?.body ?? '{}').credentials.oidcIdentityToken).toBe(token);
    });

    it('verifies with the matching identity and issuer', () => {
      const signer = verifyBundle(bundle, undefined, keylessPolicy({ identity: IDENTITY, issuer: ISSUER }));
      expect(signer).toMatchObject({ kind: 'keyless', identity: IDENTITY, issuer: ISSUER });
      expect(signer.tlog?.logIndex).toBe(bundle.verificationMaterial.tlogEntries[0].logIndex);
      expect(signer.githubWorkflow).toBeUndefined();
    });

    it('fails for another identity', () => {
      expect(() => verifyBundle(bundle, undefined, keylessPolicy({ identity: 'https://ci.example.com/acme/other@refs/heads/main', issuer: ISSUER }))).toThrow(
        /certificate identity "https:\/\/ci\.example\.com\/acme\/shop\/release@refs\/heads\/main" is not the expected/,
      );
      // An exact identity is exact: a prefix of the real one does not match.
      expect(() => verifyBundle(bundle, undefined, keylessPolicy({ identity: 'https://ci.example.com/acme/shop', issuer: ISSUER }))).toThrow(/is not the expected/);
    });

    it('fails for another issuer', () => {
      expect(() => verifyBundle(bundle, undefined, keylessPolicy({ identity: IDENTITY, issuer: 'https://token.actions.githubusercontent.com' }))).toThrow(
        /OIDC issuer "https:\/\/issuer\.example\.com" is not the expected "https:\/\/token\.actions\.githubusercontent\.com"/,
      );
    });

    it('matches regexps as cosign does: an unanchored search unless the pattern anchors itself', () => {
      const passes = (identityRegexp: string, issuerRegexp: string) => () => verifyBundle(bundle, undefined, keylessPolicy({ identityRegexp, issuerRegexp }));
      expect(passes('acme/shop/', 'example')).not.toThrow();
      expect(passes('^https://ci\\.example\\.com/acme/', '^https://issuer\\.example\\.com$')).not.toThrow();
      expect(passes('@refs/heads/(main|release-.*)$', '\\.example\\.com')).not.toThrow();
      // Go syntax, as cosign reads the flags: a leading (?i), \A and \z.
      expect(passes('(?i)\\AHTTPS://CI\\.EXAMPLE\\.COM/ACME/SHOP/', '(?i)^https://ISSUER\\.example\\.com\\z')).not.toThrow();
      expect(passes('^acme/shop', 'example')).toThrow(/certificate identity .* does not match \/\^acme\/shop\//);
      expect(passes('acme/shop/release@refs/tags/', 'example')).toThrow(/does not match/);
      expect(passes('acme', '^https://issuer\\.example\\.org$')).toThrow(/OIDC issuer "https:\/\/issuer\.example\.com" does not match/);
    });

    it('fails when the trusted root does not hold the CA that issued the certificate', async () => {
      const other = await startMockSigstore({ tsa: false });
      try {
        expectCheckFailure(() => verifyBundle(bundle, undefined, { kind: 'keyless', identity: IDENTITY, issuer: ISSUER, trustedRoot: other.trustedRoot }));
      } finally {
        await other.close();
      }
    });

    it('fails when the statement was changed after signing', () => {
      const envelope = bundle.content.$case === 'dsseEnvelope' ? bundle.content.dsseEnvelope : undefined;
      expect(envelope).toBeDefined();
      const tampered: Bundle = {
        ...bundle,
        content: { $case: 'dsseEnvelope', dsseEnvelope: { ...envelope!, payload: statement('b'.repeat(64)) } },
      };
      expectCheckFailure(() => verifyBundle(tampered, undefined, keylessPolicy({ identity: IDENTITY, issuer: ISSUER })));
    });

    it('never shows the token in the log, even with --verbose', () => {
      expect(h.sink.lines.length).toBeGreaterThan(0);
      expect(h.sink.text()).toContain(IDENTITY);
      expect(h.sink.text()).not.toContain(token);
      expect(h.sink.text()).not.toContain(token.split('.')[1]);
    });
  });

  it('signs a message (the legacy simple-signing payload) with a hashedrekord entry that verifies', async () => {
    const h = harness();
    const setup = await setupWith(userToken(), h);
    const payload = Buffer.from('{"critical":{"type":"cosign container image signature"},"optional":null}');
    const bundle = await new MessageSignatureBundleBuilder({ signer: setup.signer, witnesses: setup.witnesses }).create({ data: payload });
    expect(bundle.content.$case).toBe('messageSignature');
    expect(bundle.verificationMaterial.tlogEntries[0].kindVersion).toEqual({ kind: 'hashedrekord', version: '0.0.1' });
    expect(verifyBundle(bundle, payload, keylessPolicy({ identity: IDENTITY, issuer: ISSUER }))).toMatchObject({ identity: IDENTITY, issuer: ISSUER });
    expectCheckFailure(() => verifyBundle(bundle, Buffer.from('another payload'), keylessPolicy({ identity: IDENTITY, issuer: ISSUER })));
  });

  it('verifies with Rekor alone when no timestamp authority is configured', async () => {
    const setup = await setupWith(userToken(), harness(), { tsaUrl: undefined });
    expect(setup.witnesses).toHaveLength(1);
    const bundle = await signStatement(setup);
    expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? []).toHaveLength(0);
    expect(verifyBundle(bundle, undefined, keylessPolicy({ identity: IDENTITY, issuer: ISSUER })).identity).toBe(IDENTITY);
  });

  it('reports the GitHub workflow claims Fulcio put in the certificate', async () => {
    const claims = githubClaims();
    // The mock Fulcio certifies `sub`; the real one certifies https://github.com/<job_workflow_ref>.
    const sub = `https://github.com/${String(claims.job_workflow_ref)}`;
    const setup = await setupWith(makeJwt({ ...claims, sub, workflow: 'Release', workflow_ref: claims.job_workflow_ref }), harness());
    expect(setup.description).toBe(`keyless: ${sub} (https://token.actions.githubusercontent.com)`);
    const bundle = await signStatement(setup);
    const signer = verifyBundle(
      bundle,
      undefined,
      keylessPolicy({ identityRegexp: '^https://github\\.com/acme/shop/\\.github/workflows/', issuer: 'https://token.actions.githubusercontent.com' }),
    );
    expect(signer.githubWorkflow).toEqual({
      githubWorkflowTrigger: 'push',
      githubWorkflowSha: '3f786850e387550fdab836ed7e6dc881de23001b',
      githubWorkflowName: 'Release',
      githubWorkflowRepository: 'acme/shop',
      githubWorkflowRef: 'refs/tags/v1.4.0',
      buildTrigger: 'push',
      sourceRepositoryDigest: '3f786850e387550fdab836ed7e6dc881de23001b',
      sourceRepositoryURI: 'https://github.com/acme/shop',
      sourceRepositoryRef: 'refs/tags/v1.4.0',
      sourceRepositoryOwnerURI: 'https://github.com/acme',
      buildSignerURI: 'https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/v1.4.0',
      buildConfigURI: 'https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/v1.4.0',
      runnerEnvironment: 'github-hosted',
      runInvocationURI: 'https://github.com/acme/shop/actions/runs/9876543210/attempts/2',
    });
  });

  it('names a verified email as the identity, as Fulcio certifies it for email issuers', async () => {
    const emailMock = await startMockSigstore({ tsa: false, subjectClaim: 'email' });
    try {
      const setup = await keylessSigningSetup({
        logger: harness().logger,
        env: { SIGSTORE_ID_TOKEN: userToken({ iss: 'https://accounts.example.com', sub: '1234567890', email: 'dev@example.com', email_verified: true }) },
        fulcioUrl: emailMock.fulcioUrl,
        rekorUrl: emailMock.rekorUrl,
        retry: 0,
      });
      expect(setup.description).toBe('keyless: dev@example.com (https://accounts.example.com)');
      const bundle = await signStatement(setup);
      const policy: VerificationPolicy = { kind: 'keyless', identity: 'dev@example.com', issuer: 'https://accounts.example.com', trustedRoot: emailMock.trustedRoot };
      expect(verifyBundle(bundle, undefined, policy).identity).toBe('dev@example.com');
    } finally {
      await emailMock.close();
    }
  });

  describe('failures', () => {
    const expectError = async (promise: Promise<unknown>): Promise<ShipshapeError> => {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isShipshapeError(error)).toBe(true);
      return error as ShipshapeError;
    };

    it('a Fulcio answering 500 gives one clear network error naming Fulcio, with neither the token nor a cause holding it', async () => {
      const h = harness();
      const token = userToken();
      const setup = await setupWith(token, h);
      mock.failNext('fulcio', 500);
      const error = await expectError(signStatement(setup));
      expect(error.kind).toBe('network');
      expect(error.message).toBe('Fulcio failed (HTTP 500: mock fulcio failure)');
      expect(error.where).toBe(mock.fulcioUrl);
      expect(error.hint).toMatch(/signing\.fulcioUrl/);
      expect(error.cause).toBeUndefined();
      expect(`${error.describe()}\n${h.sink.text()}`).not.toContain(token);
    });

    it('retries a failing Fulcio and succeeds when it recovers', async () => {
      const setup = await setupWith(userToken(), harness(), { retry: { retries: 2, minTimeout: 10, maxTimeout: 20 } });
      const before = mock.requests.filter((r) => r.service === 'fulcio').length;
      mock.failNext('fulcio', 503, 502);
      const bundle = await signStatement(setup);
      expect(mock.requests.filter((r) => r.service === 'fulcio').length - before).toBe(3);
      expect(verifyBundle(bundle, undefined, keylessPolicy({ identity: IDENTITY, issuer: ISSUER })).identity).toBe(IDENTITY);
    });

    it('a Fulcio refusing the token (401) is an input error that says to check the token', async () => {
      const setup = await setupWith(userToken(), harness());
      mock.failNext('fulcio', 401);
      const error = await expectError(signStatement(setup));
      expect(error.kind).toBe('input');
      expect(error.message).toBe('Fulcio refused the request (HTTP 401: mock fulcio failure)');
      expect(error.hint).toMatch(/audience is "sigstore"/);
    });

    it('an unreachable Rekor gives a network error naming Rekor and its URL', async () => {
      const closedPort = await unusedPort();
      const setup = await setupWith(userToken(), harness(), { rekorUrl: `http://127.0.0.1:${closedPort}` });
      const error = await expectError(signStatement(setup));
      expect(error.kind).toBe('network');
      expect(error.message).toMatch(/^Rekor could not be reached \(.*ECONNREFUSED.*\)$/);
      expect(error.where).toBe(`http://127.0.0.1:${closedPort}`);
      expect(error.exitCode).toBe(1);
    });

    it('a failing timestamp authority is named as such', async () => {
      const setup = await setupWith(userToken(), harness());
      mock.failNext('tsa', 500);
      const error = await expectError(signStatement(setup));
      expect(error.message).toBe('the timestamp authority failed (HTTP 500: mock tsa failure)');
      expect(error.where).toBe(mock.tsaUrl);
    });

    it('without a token outside CI, says how to provide one before contacting any service', async () => {
      const before = mock.requests.length;
      const error = await expectError(
        keylessSigningSetup({ logger: harness().logger, env: { PATH: process.env.PATH }, fulcioUrl: mock.fulcioUrl, rekorUrl: mock.rekorUrl }),
      );
      expect(error.kind).toBe('config');
      expect(error.message).toMatch(/no OIDC token for keyless signing: not running in CI and SIGSTORE_ID_TOKEN is not set/);
      expect(mock.requests.length).toBe(before);
    });

    it('a malformed token is rejected without being quoted', async () => {
      const h = harness();
      const garbage = 'not-a-jwt-but-a-secret-value-0123456789';
      const error = await expectError(setupWith(garbage, h));
      expect(error.kind).toBe('input');
      expect(error.message).toMatch(/SIGSTORE_ID_TOKEN is not a usable JWT/);
      expect(`${error.describe()}\n${h.sink.text()}`).not.toContain(garbage);
    });

    it('an email its issuer has not verified is refused up front, without quoting the token', async () => {
      const h = harness();
      const token = userToken({ email: 'dev@example.com', email_verified: false });
      const error = await expectError(setupWith(token, h));
      expect(error.kind).toBe('input');
      expect(error.message).toMatch(/names an email address its issuer has not verified/);
      expect(`${error.describe()}\n${h.sink.text()}`).not.toContain(token);
    });

    it('keyless without Rekor requires a timestamp authority', async () => {
      const error = await expectError(setupWith(userToken(), harness(), { tlogUpload: false, tsaUrl: undefined }));
      expect(error.kind).toBe('config');
      expect(error.where).toBe('signing.tsaUrl');
    });

    it('a service URL that is not http(s) is a config error naming the field', async () => {
      const error = await expectError(setupWith(userToken(), harness(), { rekorUrl: 'ftp://rekor.example.com' }));
      expect(error.kind).toBe('config');
      expect(error.message).toBe('signing.rekorUrl must be an http(s) URL, not ftp:');
    });
  });

  it('signs without a transparency log when a timestamp authority witnesses the signature', async () => {
    const setup = await setupWith(userToken(), harness(), { tlogUpload: false });
    const bundle = await signStatement(setup);
    expect(bundle.verificationMaterial.tlogEntries).toHaveLength(0);
    expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
  });
});

/** The verifier's reasons are its own; what counts here is that a check failed (exit 1), not another error. */
function expectCheckFailure(verify: () => unknown): void {
  let error: unknown;
  try {
    verify();
  } catch (e) {
    error = e;
  }
  expect(isShipshapeError(error) && error.kind === 'check').toBe(true);
}

/** A port nothing listens on: bound once by us, then released. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
