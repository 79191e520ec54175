/**
 * Keyless image signatures end to end, in both storage formats, on the real registries of the test
 * environment and an OCI layout: signed with a Fulcio certificate from the mock services (real HTTP
 * on 127.0.0.1), verified from what the store holds, by identity and issuer.
 */
import { githubClaims, makeJwt } from '../../ci/test-support/jwt';
import { createLogger, MemorySink } from '../../exec/logger';
import { SecretRegistry } from '../../exec/secrets';
import { testStores } from '../../attest/test-support/stores';
import type { ImageStore } from '../../oci/store';
import { makeTestImage, pushTestImage } from '../../test-support/images';
import { signImageBundle } from '../bundle/sign';
import { verifyImageBundles } from '../bundle/verify';
import { signLegacy } from '../legacy/sign';
import { verifyLegacySignatures } from '../legacy/verify';
import type { SigningSetup, VerificationPolicy } from '../types';
import { keylessSigningSetup } from './setup';
import { startMockSigstore, type MockSigstore } from './test-support/mock-sigstore';

jest.setTimeout(60_000);

const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const claims = githubClaims();
const IDENTITY = `https://github.com/${String(claims.job_workflow_ref)}`;
// The mock Fulcio certifies `sub`; the real one derives the same identity from job_workflow_ref.
const TOKEN = makeJwt({ ...claims, sub: IDENTITY });

const stores = testStores('keyless-image');
let mock: MockSigstore;
let setup: SigningSetup;
const sink = new MemorySink();

beforeAll(async () => {
  mock = await startMockSigstore();
  setup = await keylessSigningSetup({
    logger: createLogger({ sink, secrets: new SecretRegistry(), verbose: true }),
    env: { GITHUB_ACTIONS: 'true', SIGSTORE_ID_TOKEN: TOKEN },
    fulcioUrl: mock.fulcioUrl,
    rekorUrl: mock.rekorUrl,
    tsaUrl: mock.tsaUrl,
    retry: 0,
  });
});
afterAll(async () => {
  stores.close();
  await mock.close();
});

const policy = (identity: string, issuer = GITHUB_ISSUER): VerificationPolicy => ({ kind: 'keyless', identity, issuer, trustedRoot: mock.trustedRoot });

describe.each(stores.kinds)('keyless image signatures in the %s', (_label, newStore) => {
  let store: ImageStore;

  beforeAll(() => {
    store = newStore();
  });

  it('bundle format: verifies for the signing workflow with its GitHub claims, not for another identity or issuer', async () => {
    const image = await pushTestImage(store, makeTestImage(), 'v1');
    const signed = await signImageBundle(store, { descriptor: image }, setup);

    const result = await verifyImageBundles(store, image.digest, policy(IDENTITY));
    expect(result.rejected).toEqual([]);
    expect(result.verified).toHaveLength(1);
    expect(result.verified[0]).toMatchObject({ format: 'bundle', digest: image.digest, location: signed.location });
    expect(result.verified[0].signer).toEqual({
      kind: 'keyless',
      identity: IDENTITY,
      issuer: GITHUB_ISSUER,
      githubWorkflow: expect.objectContaining({ githubWorkflowRepository: 'acme/shop', githubWorkflowRef: 'refs/tags/v1.4.0', githubWorkflowTrigger: 'push' }),
    });
    expect(result.verified[0].tlog?.logIndex).toMatch(/^\d+$/);

    const otherIdentity = await verifyImageBundles(store, image.digest, policy('https://github.com/acme/fork/.github/workflows/release.yml@refs/tags/v1.4.0'));
    expect(otherIdentity.verified).toEqual([]);
    expect(otherIdentity.rejected).toEqual([{ format: 'bundle', location: signed.location, reason: expect.stringMatching(/^certificate identity ".*" is not the expected/) }]);
    const otherIssuer = await verifyImageBundles(store, image.digest, policy(IDENTITY, 'https://gitlab.com'));
    expect(otherIssuer.rejected[0].reason).toMatch(/^OIDC issuer ".*" is not the expected "https:\/\/gitlab\.com"/);
  });

  it('legacy format: verifies for the signing workflow, not for another identity', async () => {
    const image = await pushTestImage(store, makeTestImage(), 'v1-legacy');
    const signed = await signLegacy(store, { descriptor: image, repository: store.location }, setup);
    expect(signed.added).toBe(true);

    const result = await verifyLegacySignatures(store, image.digest, policy(IDENTITY));
    expect(result.rejected).toEqual([]);
    expect(result.verified).toHaveLength(1);
    expect(result.verified[0].signer).toMatchObject({ kind: 'keyless', identity: IDENTITY, issuer: GITHUB_ISSUER, githubWorkflow: expect.objectContaining({ githubWorkflowSha: claims.sha }) });

    const other = await verifyLegacySignatures(store, image.digest, { kind: 'keyless', identityRegexp: '^https://github\\.com/acme/fork/', issuerRegexp: 'githubusercontent', trustedRoot: mock.trustedRoot });
    expect(other.verified).toEqual([]);
    expect(other.rejected[0].reason).toMatch(/does not match/);
  });
});

it('the token never reached the log', () => {
  expect(sink.text()).toContain(IDENTITY);
  expect(sink.text()).not.toContain(TOKEN);
});
