/**
 * The SLSA v1 predicate from each CI's documented variables. GitHub Actions is held field for field
 * against the Jest snapshot of GitHub's own `buildSLSAProvenancePredicate` (actions/toolkit
 * packages/attest), with the variables and token claims of that snapshot's test; the token comes from
 * a token service on 127.0.0.1, as a runner's does.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addGitDetails, detectCiContext, readGitDetails } from '../ci';
import { makeJwt } from '../ci/test-support/jwt';
import { createLogger, MemorySink } from '../exec/logger';
import { SecretRegistry } from '../exec/secrets';
import { fixturesDir } from '../test-support/test-env';
import { fileByproduct } from './byproducts';
import { readBuildClaims } from './claims';
import { buildProvenancePredicate } from './predicate';
import { BUILD_TYPES, SLSA_PROVENANCE_V1, type SlsaProvenanceV1 } from './types';

const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';

/** The snapshot file: `exports[name] = \`<pretty-format>\`;` — pretty-format is JSON plus trailing commas. */
function readSnapshot(): { type: string; params: SlsaProvenanceV1 } {
  const text = readFileSync(join(fixturesDir(), 'provenance', 'actions-attest-provenance.snap'), 'utf8');
  const body = /= `\n([\s\S]*?)\n`;/.exec(text)?.[1];
  if (!body) throw new Error('no snapshot in actions-attest-provenance.snap');
  return JSON.parse(body.replace(/,(\s*[}\]])/g, '$1')) as { type: string; params: SlsaProvenanceV1 };
}

/** The claims of actions/toolkit's provenance test, plus the `sub` every real token carries. */
const ACTIONS_TEST_CLAIMS = {
  iss: 'https://token.actions.foo.ghe.com',
  aud: 'nobody',
  sub: 'repo:owner/repo:ref:refs/heads/main',
  repository: 'owner/repo',
  ref: 'refs/heads/main',
  sha: 'babca52ab0c93ae16539e5923cb0d7403b9a093b',
  job_workflow_ref: 'owner/workflows/.github/workflows/publish.yml@main',
  workflow_ref: 'owner/repo/.github/workflows/main.yml@main',
  event_name: 'push',
  repository_id: 'repo-id',
  repository_owner_id: 'owner-id',
  run_id: 'run-id',
  run_attempt: 'run-attempt',
  runner_environment: 'github-hosted',
};

/** Our additions to GitHub's predicate: the times. Everything else must be GitHub's, exactly. */
function withoutTimes(predicate: SlsaProvenanceV1): SlsaProvenanceV1 {
  const metadata = { ...predicate.runDetails.metadata };
  delete metadata.startedOn;
  delete metadata.finishedOn;
  return { ...predicate, runDetails: { ...predicate.runDetails, metadata } };
}

function quietLogger() {
  const sink = new MemorySink();
  return { sink, logger: createLogger({ sink, verbose: true, secrets: new SecretRegistry() }) };
}

describe('GitHub Actions: the same predicate as GitHub’s buildSLSAProvenancePredicate', () => {
  let server: Server;
  let tokenUrl: string;
  const requests: string[] = [];
  const jwt = makeJwt(ACTIONS_TEST_CLAIMS);

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.headers.authorization !== 'bearer token') {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: jwt }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token?`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('with the snapshot test’s variables and token, equals the snapshot field for field', async () => {
    // The environment of actions/toolkit __tests__/provenance.test.ts, on a runner (GITHUB_ACTIONS).
    const env = {
      GITHUB_ACTIONS: 'true',
      ACTIONS_ID_TOKEN_REQUEST_URL: tokenUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'token',
      GITHUB_SERVER_URL: 'https://foo.ghe.com',
      GITHUB_REPOSITORY: ACTIONS_TEST_CLAIMS.repository,
    };
    const secrets = new SecretRegistry();
    const { logger } = quietLogger();
    const context = detectCiContext(env, { secrets });
    const claims = await readBuildClaims(context, { env, logger, secrets });
    expect(requests.at(-1)).toMatch(/^\/token\?audience=/);

    const snapshot = readSnapshot();
    const { predicate } = buildProvenancePredicate({ context, claims });
    expect(SLSA_PROVENANCE_V1).toBe(snapshot.type);
    expect(withoutTimes(predicate)).toEqual(snapshot.params);
    expect(predicate.runDetails.builder.id).toBe('https://foo.ghe.com/owner/workflows/.github/workflows/publish.yml@main');
  });

  it('without a token, takes the same values from the runner’s variables and the builder from GITHUB_WORKFLOW_REF', async () => {
    const env = {
      GITHUB_ACTIONS: 'true',
      GITHUB_SERVER_URL: 'https://foo.ghe.com',
      GITHUB_REPOSITORY: 'owner/repo',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_SHA: ACTIONS_TEST_CLAIMS.sha,
      GITHUB_WORKFLOW_REF: ACTIONS_TEST_CLAIMS.workflow_ref,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REPOSITORY_ID: 'repo-id',
      GITHUB_REPOSITORY_OWNER_ID: 'owner-id',
      GITHUB_RUN_ID: 'run-id',
      GITHUB_RUN_ATTEMPT: 'run-attempt',
      RUNNER_ENVIRONMENT: 'github-hosted',
    };
    const { logger, sink } = quietLogger();
    const context = detectCiContext(env, { secrets: new SecretRegistry() });
    const claims = await readBuildClaims(context, { env, logger });
    expect(claims).toBeUndefined();
    expect(sink.text()).toMatch(/id-token: write/);

    const snapshot = readSnapshot();
    const { predicate, warnings } = buildProvenancePredicate({ context, claims });
    const expected = structuredClone(snapshot.params);
    // The calling workflow: only the token names a reusable workflow that ran the job.
    expected.runDetails.builder.id = 'https://foo.ghe.com/owner/repo/.github/workflows/main.yml@main';
    expect(withoutTimes(predicate)).toEqual(expected);
    expect(warnings.join('\n')).toMatch(/no job_workflow_ref claim/);
  });

  it('prefers the token’s claims over variables that disagree, and says so', async () => {
    const env = { GITHUB_ACTIONS: 'true', GITHUB_SERVER_URL: 'https://foo.ghe.com', GITHUB_REPOSITORY: 'someone/else', ACTIONS_ID_TOKEN_REQUEST_URL: tokenUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'token' };
    const { logger } = quietLogger();
    const context = detectCiContext(env, { secrets: new SecretRegistry() });
    const claims = await readBuildClaims(context, { env, logger });
    const { predicate, warnings } = buildProvenancePredicate({ context, claims });
    expect(predicate.buildDefinition.resolvedDependencies?.[0]?.uri).toBe('git+https://foo.ghe.com/owner/repo@refs/heads/main');
    expect(warnings.join('\n')).toMatch(/token's repository \(owner\/repo\) differs from GITHUB_REPOSITORY \(someone\/else\)/);
  });

  it('falls back to the variables (and warns) when the token service refuses', async () => {
    const env = { GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'owner/repo', GITHUB_WORKFLOW_REF: 'owner/repo/.github/workflows/main.yml@refs/heads/main', ACTIONS_ID_TOKEN_REQUEST_URL: tokenUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong' };
    const { logger, sink } = quietLogger();
    const context = detectCiContext(env, { secrets: new SecretRegistry() });
    const claims = await readBuildClaims(context, { env, logger });
    expect(claims).toBeUndefined();
    expect(sink.text()).toMatch(/could not read the OIDC token for provenance .*HTTP 401/);
    expect(buildProvenancePredicate({ context, claims }).predicate.runDetails.builder.id).toBe('https://github.com/owner/repo/.github/workflows/main.yml@refs/heads/main');
  });
});

describe('the other CIs, from their documented variables', () => {
  it('GitLab CI: project, config path, job, runner as builder, job URL as invocation, job start time', async () => {
    const token = makeJwt({ iss: 'https://gitlab.com', sub: 'project_path:acme/platform/shop:ref_type:branch:ref:main', aud: 'sigstore', runner_environment: 'gitlab-hosted' });
    const env = {
      GITLAB_CI: 'true',
      CI_SERVER_URL: 'https://gitlab.com',
      CI_SERVER_HOST: 'gitlab.com',
      CI_PROJECT_URL: 'https://gitlab.com/acme/platform/shop',
      CI_PROJECT_PATH: 'acme/platform/shop',
      CI_PROJECT_ID: '48151623',
      CI_REPOSITORY_URL: 'https://gitlab-ci-token:glcbt-64_Zx9sQ2mN4pL7vR1tY8wK@gitlab.com/acme/platform/shop.git',
      CI_COMMIT_SHA: SHA,
      CI_COMMIT_REF_NAME: 'main',
      CI_COMMIT_BRANCH: 'main',
      CI_PIPELINE_ID: '1234567890',
      CI_PIPELINE_URL: 'https://gitlab.com/acme/platform/shop/-/pipelines/1234567890',
      CI_PIPELINE_SOURCE: 'push',
      CI_JOB_ID: '7654321098',
      CI_JOB_NAME: 'provenance',
      CI_JOB_URL: 'https://gitlab.com/acme/platform/shop/-/jobs/7654321098',
      CI_JOB_STARTED_AT: '2025-03-04T10:11:12Z',
      CI_CONFIG_PATH: '.gitlab-ci.yml',
      CI_RUNNER_ID: '12270831',
      SIGSTORE_ID_TOKEN: token,
    };
    const secrets = new SecretRegistry();
    const { logger } = quietLogger();
    const context = detectCiContext(env, { secrets });
    const claims = await readBuildClaims(context, { env, logger, secrets });
    const { predicate } = buildProvenancePredicate({ context, claims, startedOn: new Date('2025-03-04T10:20:00Z'), finishedOn: new Date('2025-03-04T10:21:30.250Z') });
    expect(predicate).toEqual({
      buildDefinition: {
        buildType: BUILD_TYPES.gitlabCi,
        externalParameters: {
          workflow: { ref: 'refs/heads/main', repository: 'https://gitlab.com/acme/platform/shop', path: '.gitlab-ci.yml' },
          job: 'provenance',
        },
        internalParameters: {
          gitlab: {
            server_url: 'https://gitlab.com',
            project_id: '48151623',
            pipeline_id: '1234567890',
            pipeline_source: 'push',
            job_id: '7654321098',
            runner_id: '12270831',
            runner_environment: 'gitlab-hosted',
          },
        },
        resolvedDependencies: [{ uri: 'git+https://gitlab.com/acme/platform/shop@refs/heads/main', digest: { gitCommit: SHA } }],
      },
      runDetails: {
        builder: { id: 'https://gitlab.com/acme/platform/shop/-/runners/12270831' },
        // The job's own start wins over the process start the caller passed.
        metadata: { invocationId: 'https://gitlab.com/acme/platform/shop/-/jobs/7654321098', startedOn: '2025-03-04T10:11:12Z', finishedOn: '2025-03-04T10:21:30Z' },
      },
    });
    // The job token in CI_REPOSITORY_URL never reaches the predicate.
    expect(JSON.stringify(predicate)).not.toContain('glcbt-');
  });

  it('Jenkins: Git plugin source, job as builder, build URL as invocation', () => {
    const env = {
      JENKINS_URL: 'https://ci.acme.example/',
      JOB_NAME: 'shop/main',
      JOB_URL: 'https://ci.acme.example/job/shop/job/main/',
      BUILD_NUMBER: '57',
      BUILD_URL: 'https://ci.acme.example/job/shop/job/main/57/',
      NODE_NAME: 'linux-agent-03',
      GIT_URL: 'https://github.com/acme/shop.git',
      GIT_COMMIT: SHA,
      GIT_BRANCH: 'origin/main',
      BRANCH_NAME: 'main',
    };
    const context = detectCiContext(env, { secrets: new SecretRegistry() });
    const { predicate } = buildProvenancePredicate({ context, startedOn: new Date('2025-03-04T10:20:00Z'), finishedOn: new Date('2025-03-04T10:21:00Z') });
    expect(predicate).toEqual({
      buildDefinition: {
        buildType: BUILD_TYPES.jenkins,
        externalParameters: { workflow: { ref: 'refs/heads/main', repository: 'https://github.com/acme/shop' }, job: 'shop/main' },
        internalParameters: { jenkins: { server_url: 'https://ci.acme.example', build_number: '57', node_name: 'linux-agent-03' } },
        resolvedDependencies: [{ uri: 'git+https://github.com/acme/shop@refs/heads/main', digest: { gitCommit: SHA } }],
      },
      runDetails: {
        builder: { id: 'https://ci.acme.example/job/shop/job/main' },
        // Jenkins names no build start: the process start the caller passed.
        metadata: { invocationId: 'https://ci.acme.example/job/shop/job/main/57/', startedOn: '2025-03-04T10:20:00Z', finishedOn: '2025-03-04T10:21:00Z' },
      },
    });
  });

  it('CircleCI: project as builder, job URL as invocation, pipeline and workflow ids', () => {
    const env = {
      CIRCLECI: 'true',
      CIRCLE_PROJECT_USERNAME: 'acme',
      CIRCLE_PROJECT_REPONAME: 'shop',
      CIRCLE_REPOSITORY_URL: 'git@github.com:acme/shop.git',
      CIRCLE_SHA1: SHA,
      CIRCLE_TAG: 'v1.4.0',
      CIRCLE_BUILD_NUM: '2718',
      CIRCLE_BUILD_URL: 'https://circleci.com/gh/acme/shop/2718',
      CIRCLE_WORKFLOW_ID: '5c1d5e2a-6a38-4c39-9e5e-2f0c1f1e9d11',
      CIRCLE_PIPELINE_ID: 'f1e2d3c4-0000-1111-2222-333344445555',
      CIRCLE_JOB: 'build-image',
    };
    const context = detectCiContext(env, { secrets: new SecretRegistry() });
    const { predicate } = buildProvenancePredicate({ context, startedOn: new Date('2025-03-04T10:20:00Z'), finishedOn: new Date('2025-03-04T10:21:00Z') });
    expect(predicate).toEqual({
      buildDefinition: {
        buildType: BUILD_TYPES.circleci,
        externalParameters: { workflow: { ref: 'refs/tags/v1.4.0', repository: 'https://github.com/acme/shop' }, job: 'build-image' },
        internalParameters: {
          circleci: { pipeline_id: 'f1e2d3c4-0000-1111-2222-333344445555', workflow_id: '5c1d5e2a-6a38-4c39-9e5e-2f0c1f1e9d11', build_num: '2718' },
        },
        resolvedDependencies: [{ uri: 'git+https://github.com/acme/shop@refs/tags/v1.4.0', digest: { gitCommit: SHA } }],
      },
      runDetails: {
        builder: { id: 'https://circleci.com/gh/acme/shop' },
        metadata: { invocationId: 'https://circleci.com/gh/acme/shop/2718', startedOn: '2025-03-04T10:20:00Z', finishedOn: '2025-03-04T10:21:00Z' },
      },
    });
  });
});

describe('local runs and byproducts', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'provenance-local-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names this machine as the builder, never a CI, with the checkout as the source', async () => {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } }).toString().trim();
    git('init', '-q', '-b', 'main');
    git('remote', 'add', 'origin', 'https://github.com/acme/shop.git');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    git('add', '.');
    git('commit', '-q', '-m', 'init');
    const commit = git('rev-parse', 'HEAD');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nLABEL x=y\n');

    const context = await addGitDetails(detectCiContext({ HOME: dir }, { secrets: new SecretRegistry(), local: { hostname: 'dev-laptop' } }), { cwd: dir });
    const details = await readGitDetails({ cwd: dir });
    const { predicate, warnings } = buildProvenancePredicate({ context, localSource: { dirty: details!.dirty } });
    expect(context.isCi).toBe(false);
    expect(predicate.buildDefinition.buildType).toBe(BUILD_TYPES.local);
    expect(predicate.runDetails.builder.id).toBe('https://shipshape.dev/local/dev-laptop');
    expect(predicate.buildDefinition.resolvedDependencies).toEqual([{ uri: 'git+https://github.com/acme/shop@refs/heads/main', digest: { gitCommit: commit } }]);
    expect(predicate.buildDefinition.internalParameters).toEqual({ local: { workTreeDirty: true } });
    expect(predicate.runDetails.metadata?.invocationId).toBeUndefined();
    expect(warnings.join('\n')).toMatch(/not running in CI.*L1/);
    expect(warnings.join('\n')).toMatch(/uncommitted changes/);
  });

  it('names the SBOM and scan results by sha256, file name and media type', async () => {
    const fixtures = fixturesDir();
    const files = [join(fixtures, 'sbom', 'centos7.trivy.cdx.json'), join(fixtures, 'sbom', 'alpine.syft.spdx.json'), join(fixtures, 'grype', 'no-vulns.grype.json')];
    const byproducts = [
      await fileByproduct(files[0]!, { cwd: dir, flag: '--sbom' }),
      await fileByproduct(files[1]!, { cwd: dir, flag: '--sbom' }),
      await fileByproduct(files[2]!, { cwd: dir, flag: '--scan-report' }),
    ];
    // sha256sum is the independent check of the digests.
    const sums = files.map((f) => execFileSync('sha256sum', [f]).toString().split(' ')[0]);
    expect(byproducts).toEqual([
      { name: 'centos7.trivy.cdx.json', digest: { sha256: sums[0] }, mediaType: 'application/vnd.cyclonedx+json' },
      { name: 'alpine.syft.spdx.json', digest: { sha256: sums[1] }, mediaType: 'application/spdx+json' },
      { name: 'no-vulns.grype.json', digest: { sha256: sums[2] }, mediaType: 'application/json' },
    ]);
    const context = detectCiContext({}, { secrets: new SecretRegistry(), local: { hostname: 'dev' } });
    expect(buildProvenancePredicate({ context, byproducts }).predicate.runDetails.byproducts).toEqual(byproducts);
  });

  it('says which byproduct file it cannot read', async () => {
    await expect(fileByproduct('missing.cdx.json', { cwd: dir, flag: '--sbom' })).rejects.toMatchObject({ kind: 'input', message: 'cannot read --sbom missing.cdx.json: ENOENT' });
  });
});
