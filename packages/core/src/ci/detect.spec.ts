import { hostname } from 'node:os';
import { SecretRegistry } from '../exec/secrets';
import { ciContextSchema } from './context';
import { detectCiContext } from './detect';

const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
const WORKFLOW_SHA = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';

/** A tag push running `release.yml` on a GitHub-hosted runner, as the runner sets it. */
const githubEnv = {
  CI: 'true',
  GITHUB_ACTIONS: 'true',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_API_URL: 'https://api.github.com',
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_REPOSITORY_ID: '123456789',
  GITHUB_REPOSITORY_OWNER: 'acme',
  GITHUB_REPOSITORY_OWNER_ID: '9919',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_EVENT_PATH: '/home/runner/work/_temp/_github_workflow/event.json',
  GITHUB_WORKFLOW: 'release',
  GITHUB_WORKFLOW_REF: 'acme/shop/.github/workflows/release.yml@refs/tags/v1.4.0',
  GITHUB_WORKFLOW_SHA: WORKFLOW_SHA,
  GITHUB_JOB: 'publish',
  GITHUB_RUN_ID: '9876543210',
  GITHUB_RUN_NUMBER: '42',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_REF: 'refs/tags/v1.4.0',
  GITHUB_REF_NAME: 'v1.4.0',
  GITHUB_REF_TYPE: 'tag',
  GITHUB_REF_PROTECTED: 'false',
  GITHUB_SHA: SHA,
  GITHUB_ACTOR: 'octocat',
  GITHUB_ACTOR_ID: '583231',
  GITHUB_TRIGGERING_ACTOR: 'octocat',
  RUNNER_ENVIRONMENT: 'github-hosted',
  RUNNER_OS: 'Linux',
  RUNNER_ARCH: 'X64',
  RUNNER_NAME: 'GitHub Actions 12',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelinesghubeus6.actions.githubusercontent.com/abc/_apis/distributedtask/hubs/Actions/plans/p/jobs/j/idtoken?api-version=2.0',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.request-token-body.signature',
  GITHUB_TOKEN: 'ghs_16C7e42F292c6912E7710c838347Ae178B4a',
};

/** A branch pipeline on GitLab.com shared runners. */
const gitlabEnv = {
  CI: 'true',
  GITLAB_CI: 'true',
  CI_SERVER_URL: 'https://gitlab.com',
  CI_SERVER_HOST: 'gitlab.com',
  CI_PROJECT_URL: 'https://gitlab.com/acme/platform/shop',
  CI_PROJECT_PATH: 'acme/platform/shop',
  CI_PROJECT_ID: '48151623',
  CI_PROJECT_NAMESPACE: 'acme/platform',
  CI_REPOSITORY_URL: 'https://gitlab-ci-token:glcbt-64_Zx9sQ2mN4pL7vR1tY8wK@gitlab.com/acme/platform/shop.git',
  CI_DEFAULT_BRANCH: 'main',
  CI_COMMIT_SHA: SHA,
  CI_COMMIT_REF_NAME: 'main',
  CI_COMMIT_BRANCH: 'main',
  CI_COMMIT_REF_PROTECTED: 'true',
  CI_PIPELINE_ID: '1234567890',
  CI_PIPELINE_IID: '311',
  CI_PIPELINE_URL: 'https://gitlab.com/acme/platform/shop/-/pipelines/1234567890',
  CI_PIPELINE_SOURCE: 'push',
  CI_JOB_ID: '7654321098',
  CI_JOB_NAME: 'image-sign',
  CI_JOB_STAGE: 'release',
  CI_JOB_URL: 'https://gitlab.com/acme/platform/shop/-/jobs/7654321098',
  CI_CONFIG_PATH: '.gitlab-ci.yml',
  CI_RUNNER_ID: '12270831',
  CI_RUNNER_DESCRIPTION: '3-blue.saas-linux-small-amd64.runners-manager.gitlab.com/default',
  CI_RUNNER_TAGS: '["saas-linux-small-amd64"]',
  GITLAB_USER_LOGIN: 'jdoe',
  GITLAB_USER_ID: '4242',
};

/** A multibranch pipeline build of `main` on a Jenkins agent. */
const jenkinsEnv = {
  JENKINS_URL: 'https://ci.acme.example/',
  JOB_NAME: 'shop/main',
  JOB_BASE_NAME: 'main',
  JOB_URL: 'https://ci.acme.example/job/shop/job/main/',
  BUILD_NUMBER: '57',
  BUILD_ID: '57',
  BUILD_URL: 'https://ci.acme.example/job/shop/job/main/57/',
  BUILD_TAG: 'jenkins-shop-main-57',
  NODE_NAME: 'linux-agent-03',
  EXECUTOR_NUMBER: '1',
  WORKSPACE: '/var/lib/jenkins/workspace/shop_main',
  GIT_URL: 'git@github.com:acme/shop.git',
  GIT_COMMIT: SHA,
  GIT_BRANCH: 'main',
  BRANCH_NAME: 'main',
};

/** A CircleCI job in a workflow, GitHub OAuth project. */
const circleEnv = {
  CI: 'true',
  CIRCLECI: 'true',
  CIRCLE_PROJECT_USERNAME: 'acme',
  CIRCLE_PROJECT_REPONAME: 'shop',
  CIRCLE_REPOSITORY_URL: 'git@github.com:acme/shop.git',
  CIRCLE_SHA1: SHA,
  CIRCLE_BRANCH: 'main',
  CIRCLE_BUILD_NUM: '2718',
  CIRCLE_BUILD_URL: 'https://circleci.com/gh/acme/shop/2718',
  CIRCLE_WORKFLOW_ID: '5c1d5e2a-6a38-4c39-9e5e-2f0c1f1e9d11',
  CIRCLE_WORKFLOW_JOB_ID: '9a7b6c5d-1111-2222-3333-444455556666',
  CIRCLE_JOB: 'build-image',
  CIRCLE_USERNAME: 'jdoe',
  CIRCLE_NODE_INDEX: '0',
  CIRCLE_NODE_TOTAL: '1',
};

/** `env` without the named variables. */
function without(env: Record<string, string>, ...names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !names.includes(name)));
}

const detect = (env: Record<string, string>, secrets = new SecretRegistry()) => detectCiContext(env, { secrets });

describe('detectCiContext: GitHub Actions', () => {
  it('reads a tag release run into the normalized context', () => {
    const ctx = detect(githubEnv);
    expect(ctx).toMatchObject({
      provider: 'github-actions',
      isCi: true,
      repositoryUrl: 'https://github.com/acme/shop',
      commit: SHA,
      ref: 'refs/tags/v1.4.0',
      tag: 'v1.4.0',
      runId: '9876543210',
      runAttempt: 2,
      runUrl: 'https://github.com/acme/shop/actions/runs/9876543210/attempts/2',
      workflow: {
        name: 'release',
        path: '.github/workflows/release.yml',
        ref: 'acme/shop/.github/workflows/release.yml@refs/tags/v1.4.0',
        sha: WORKFLOW_SHA,
      },
      job: 'publish',
      event: 'push',
      actor: 'octocat',
      runnerEnvironment: 'github-hosted',
      serverUrl: 'https://github.com',
      builderId: 'https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/v1.4.0',
      warnings: [],
    });
    expect(ctx.branch).toBeUndefined();
    expect(ciContextSchema.parse(ctx)).toEqual(ctx);
  });

  it('keeps the variables provenance needs in raw, and no secret variable', () => {
    const ctx = detect(githubEnv);
    expect(ctx.raw).toMatchObject({
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_REPOSITORY_ID: '123456789',
      GITHUB_REPOSITORY_OWNER_ID: '9919',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_WORKFLOW_REF: githubEnv.GITHUB_WORKFLOW_REF,
      GITHUB_WORKFLOW_SHA: WORKFLOW_SHA,
      GITHUB_RUN_ID: '9876543210',
      GITHUB_RUN_ATTEMPT: '2',
      RUNNER_ENVIRONMENT: 'github-hosted',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REF: 'refs/tags/v1.4.0',
      GITHUB_SHA: SHA,
    });
    const rawText = JSON.stringify(ctx);
    expect(rawText).not.toContain(githubEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
    expect(rawText).not.toContain(githubEnv.GITHUB_TOKEN);
  });

  it('registers the secret variables of the environment it reads', () => {
    const secrets = new SecretRegistry();
    detect(githubEnv, secrets);
    expect(secrets.redact(`token ${githubEnv.GITHUB_TOKEN}`)).toBe('token ***');
    expect(secrets.redact(githubEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN)).toBe('***');
  });

  it('names the head branch of a pull request run, whose ref is the merge ref', () => {
    const ctx = detect({
      ...githubEnv,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_REF: 'refs/pull/17/merge',
      GITHUB_REF_NAME: '17/merge',
      GITHUB_REF_TYPE: 'branch',
      GITHUB_HEAD_REF: 'feature/sbom',
      GITHUB_BASE_REF: 'main',
      GITHUB_WORKFLOW_REF: 'acme/shop/.github/workflows/ci.yml@refs/pull/17/merge',
      RUNNER_ENVIRONMENT: 'self-hosted',
    });
    expect(ctx.ref).toBe('refs/pull/17/merge');
    expect(ctx.branch).toBe('feature/sbom');
    expect(ctx.tag).toBeUndefined();
    expect(ctx.event).toBe('pull_request');
    expect(ctx.runnerEnvironment).toBe('self-hosted');
    expect(ctx.builderId).toBe('https://github.com/acme/shop/.github/workflows/ci.yml@refs/pull/17/merge');
  });

  it('uses the GitHub Enterprise Server URL for every link', () => {
    const ctx = detect({
      ...githubEnv,
      GITHUB_SERVER_URL: 'https://github.acme.example',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_REF_NAME: 'main',
      GITHUB_REF_TYPE: 'branch',
      GITHUB_WORKFLOW_REF: 'acme/shop/.github/workflows/release.yml@refs/heads/main',
    });
    expect(ctx.repositoryUrl).toBe('https://github.acme.example/acme/shop');
    expect(ctx.branch).toBe('main');
    expect(ctx.builderId).toBe('https://github.acme.example/acme/shop/.github/workflows/release.yml@refs/heads/main');
    expect(ctx.runUrl).toBe('https://github.acme.example/acme/shop/actions/runs/9876543210/attempts/2');
  });

  it('drops a malformed value with a warning naming its variable, and keeps the rest', () => {
    const ctx = detect({ ...githubEnv, GITHUB_SHA: '3f78685', GITHUB_RUN_ATTEMPT: 'first' });
    expect(ctx.commit).toBeUndefined();
    expect(ctx.runAttempt).toBeUndefined();
    expect(ctx.repositoryUrl).toBe('https://github.com/acme/shop');
    expect(ctx.warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(/^GITHUB_SHA is unusable \(must be a full commit SHA.*commit left unset$/), expect.stringMatching(/^GITHUB_RUN_ATTEMPT is unusable/)]),
    );
  });

  it('still names a builder when GITHUB_WORKFLOW_REF is missing, and says so', () => {
    const older = without(githubEnv, 'GITHUB_WORKFLOW_REF');
    const ctx = detect(older);
    expect(ctx.builderId).toBe('https://github.com/acme/shop');
    expect(ctx.warnings.join('\n')).toContain('GITHUB_WORKFLOW_REF is not set');
  });
});

describe('detectCiContext: GitLab CI', () => {
  it('reads a branch pipeline into the normalized context', () => {
    const ctx = detect(gitlabEnv);
    expect(ctx).toMatchObject({
      provider: 'gitlab-ci',
      isCi: true,
      repositoryUrl: 'https://gitlab.com/acme/platform/shop',
      commit: SHA,
      ref: 'refs/heads/main',
      branch: 'main',
      runId: '1234567890',
      runUrl: 'https://gitlab.com/acme/platform/shop/-/pipelines/1234567890',
      jobUrl: 'https://gitlab.com/acme/platform/shop/-/jobs/7654321098',
      workflow: { path: '.gitlab-ci.yml', ref: 'gitlab.com/acme/platform/shop//.gitlab-ci.yml@refs/heads/main' },
      job: 'image-sign',
      event: 'push',
      actor: 'jdoe',
      serverUrl: 'https://gitlab.com',
      builderId: 'https://gitlab.com/acme/platform/shop/-/runners/12270831',
      warnings: [],
    });
    expect(ctx.tag).toBeUndefined();
    expect(ctx.runnerEnvironment).toBeUndefined();
    expect(ctx.raw).toMatchObject({
      CI_PROJECT_URL: 'https://gitlab.com/acme/platform/shop',
      CI_COMMIT_SHA: SHA,
      CI_COMMIT_REF_NAME: 'main',
      CI_PIPELINE_ID: '1234567890',
      CI_JOB_ID: '7654321098',
      CI_CONFIG_PATH: '.gitlab-ci.yml',
      CI_SERVER_URL: 'https://gitlab.com',
      CI_RUNNER_ID: '12270831',
      CI_RUNNER_DESCRIPTION: gitlabEnv.CI_RUNNER_DESCRIPTION,
      GITLAB_USER_LOGIN: 'jdoe',
    });
  });

  it('strips the job token from CI_REPOSITORY_URL and registers it as a secret', () => {
    const secrets = new SecretRegistry();
    const ctx = detect(gitlabEnv, secrets);
    expect(ctx.raw.CI_REPOSITORY_URL).toBe('https://gitlab.com/acme/platform/shop.git');
    expect(JSON.stringify(ctx)).not.toContain('glcbt-64_Zx9sQ2mN4pL7vR1tY8wK');
    expect(secrets.redact('clone with glcbt-64_Zx9sQ2mN4pL7vR1tY8wK')).toBe('clone with ***');
  });

  it('falls back to the clone URL, without its credentials, when CI_PROJECT_URL is absent', () => {
    const env = without(gitlabEnv, 'CI_PROJECT_URL');
    expect(detect(env).repositoryUrl).toBe('https://gitlab.com/acme/platform/shop');
  });

  it('reads a tag pipeline: tag and refs/tags, no branch', () => {
    const env = without(gitlabEnv, 'CI_COMMIT_BRANCH');
    const ctx = detect({ ...env, CI_COMMIT_TAG: 'v1.4.0', CI_COMMIT_REF_NAME: 'v1.4.0' });
    expect(ctx.tag).toBe('v1.4.0');
    expect(ctx.branch).toBeUndefined();
    expect(ctx.ref).toBe('refs/tags/v1.4.0');
    expect(ctx.workflow.ref).toBe('gitlab.com/acme/platform/shop//.gitlab-ci.yml@refs/tags/v1.4.0');
  });

  it('reads a merge request pipeline: source branch and the merge request ref', () => {
    const env = without(gitlabEnv, 'CI_COMMIT_BRANCH');
    const ctx = detect({
      ...env,
      CI_PIPELINE_SOURCE: 'merge_request_event',
      CI_COMMIT_REF_NAME: 'feature/sbom',
      CI_MERGE_REQUEST_IID: '88',
      CI_MERGE_REQUEST_REF_PATH: 'refs/merge-requests/88/head',
      CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature/sbom',
      CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
    });
    expect(ctx.branch).toBe('feature/sbom');
    expect(ctx.ref).toBe('refs/merge-requests/88/head');
    expect(ctx.event).toBe('merge_request_event');
  });

  it('leaves the workflow ref unset for a config file kept in another project', () => {
    const ctx = detect({ ...gitlabEnv, CI_CONFIG_PATH: 'ci/shared.yml@acme/ci-templates' });
    expect(ctx.workflow.path).toBe('ci/shared.yml@acme/ci-templates');
    expect(ctx.workflow.ref).toBeUndefined();
  });
});

describe('detectCiContext: Jenkins', () => {
  it('reads a multibranch build into the normalized context', () => {
    const ctx = detect(jenkinsEnv);
    expect(ctx).toMatchObject({
      provider: 'jenkins',
      isCi: true,
      repositoryUrl: 'https://github.com/acme/shop',
      commit: SHA,
      ref: 'refs/heads/main',
      branch: 'main',
      runId: '57',
      runUrl: 'https://ci.acme.example/job/shop/job/main/57/',
      workflow: { name: 'shop/main' },
      job: 'main',
      runnerEnvironment: 'self-hosted',
      serverUrl: 'https://ci.acme.example',
      builderId: 'https://ci.acme.example/job/shop/job/main',
      warnings: [],
    });
    expect(ctx.raw).toMatchObject({
      JENKINS_URL: 'https://ci.acme.example/',
      JOB_NAME: 'shop/main',
      BUILD_NUMBER: '57',
      BUILD_URL: 'https://ci.acme.example/job/shop/job/main/57/',
      GIT_URL: 'git@github.com:acme/shop.git',
      GIT_COMMIT: SHA,
      GIT_BRANCH: 'main',
      NODE_NAME: 'linux-agent-03',
    });
  });

  it('reads a freestyle build: remote-tracking GIT_BRANCH, builder id from JENKINS_URL and the folder path', () => {
    const ctx = detect({
      JENKINS_URL: 'https://ci.acme.example/jenkins/',
      JOB_NAME: 'platform/shop-release',
      BUILD_NUMBER: '12',
      BUILD_ID: '12',
      GIT_URL: 'https://bitbucket.example/scm/acme/shop.git',
      GIT_COMMIT: SHA,
      GIT_BRANCH: 'origin/release/2.x',
    });
    expect(ctx.branch).toBe('release/2.x');
    expect(ctx.ref).toBe('refs/heads/release/2.x');
    expect(ctx.repositoryUrl).toBe('https://bitbucket.example/scm/acme/shop');
    expect(ctx.builderId).toBe('https://ci.acme.example/jenkins/job/platform/job/shop-release');
  });

  it('reads a tag build and a pull request build of a multibranch job', () => {
    const tagged = detect({ ...jenkinsEnv, BRANCH_NAME: 'v1.4.0', TAG_NAME: 'v1.4.0', GIT_BRANCH: 'v1.4.0' });
    expect(tagged).toMatchObject({ tag: 'v1.4.0', ref: 'refs/tags/v1.4.0' });
    expect(tagged.branch).toBeUndefined();

    const change = detect({ ...jenkinsEnv, BRANCH_NAME: 'PR-24', CHANGE_ID: '24', CHANGE_BRANCH: 'feature/sbom', CHANGE_AUTHOR: 'jdoe', GIT_BRANCH: 'PR-24' });
    expect(change.branch).toBe('feature/sbom');
    expect(change.ref).toBeUndefined();
    expect(change.actor).toBe('jdoe');
  });

  it('is recognised from BUILD_ID and JOB_NAME when JENKINS_URL is not configured, with an honest builder id', () => {
    const ctx = detect({ BUILD_ID: '3', JOB_NAME: 'shop', GIT_COMMIT: SHA });
    expect(ctx.provider).toBe('jenkins');
    expect(ctx.builderId).toBe('urn:jenkins:job:shop');
    expect(ctx.warnings.join('\n')).toContain('JENKINS_URL is not set');
  });

  it('strips credentials from a GIT_URL and registers them', () => {
    const secrets = new SecretRegistry();
    const ctx = detect({ ...jenkinsEnv, GIT_URL: 'https://jenkins-bot:Sup3rS3cretPassw0rd@git.acme.example/acme/shop.git' }, secrets);
    expect(ctx.repositoryUrl).toBe('https://git.acme.example/acme/shop');
    expect(ctx.raw.GIT_URL).toBe('https://git.acme.example/acme/shop.git');
    expect(JSON.stringify(ctx)).not.toContain('Sup3rS3cretPassw0rd');
    expect(secrets.has('Sup3rS3cretPassw0rd')).toBe(true);
  });
});

describe('detectCiContext: CircleCI', () => {
  it('reads a workflow job into the normalized context', () => {
    const ctx = detect(circleEnv);
    expect(ctx).toMatchObject({
      provider: 'circleci',
      isCi: true,
      repositoryUrl: 'https://github.com/acme/shop',
      commit: SHA,
      ref: 'refs/heads/main',
      branch: 'main',
      runId: '5c1d5e2a-6a38-4c39-9e5e-2f0c1f1e9d11',
      runUrl: 'https://app.circleci.com/pipelines/workflows/5c1d5e2a-6a38-4c39-9e5e-2f0c1f1e9d11',
      jobUrl: 'https://circleci.com/gh/acme/shop/2718',
      job: 'build-image',
      actor: 'jdoe',
      serverUrl: 'https://circleci.com',
      builderId: 'https://circleci.com/gh/acme/shop',
      warnings: [],
    });
    expect(ctx.raw).toMatchObject({
      CIRCLE_PROJECT_USERNAME: 'acme',
      CIRCLE_PROJECT_REPONAME: 'shop',
      CIRCLE_REPOSITORY_URL: 'git@github.com:acme/shop.git',
      CIRCLE_SHA1: SHA,
      CIRCLE_BRANCH: 'main',
      CIRCLE_BUILD_NUM: '2718',
      CIRCLE_BUILD_URL: 'https://circleci.com/gh/acme/shop/2718',
      CIRCLE_WORKFLOW_ID: '5c1d5e2a-6a38-4c39-9e5e-2f0c1f1e9d11',
      CIRCLE_JOB: 'build-image',
    });
  });

  it('reads a tag job', () => {
    const env = without(circleEnv, 'CIRCLE_BRANCH');
    const ctx = detect({ ...env, CIRCLE_TAG: 'v1.4.0' });
    expect(ctx).toMatchObject({ tag: 'v1.4.0', ref: 'refs/tags/v1.4.0' });
  });

  it('does not invent a cloud workflow URL for a CircleCI server installation', () => {
    const ctx = detect({ ...circleEnv, CIRCLE_BUILD_URL: 'https://circleci.acme.example/gh/acme/shop/2718' });
    expect(ctx.runUrl).toBeUndefined();
    expect(ctx.serverUrl).toBe('https://circleci.acme.example');
    expect(ctx.builderId).toBe('https://circleci.acme.example/gh/acme/shop');
  });
});

describe('detectCiContext: local', () => {
  it('is honest about a developer machine', () => {
    const ctx = detect({ HOME: '/home/ada', USER: 'ada' });
    expect(ctx.provider).toBe('local');
    expect(ctx.isCi).toBe(false);
    expect(ctx.builderId).toBe(`https://shipshape.dev/local/${encodeURIComponent(hostname())}`);
    expect(ctx.commit).toBeUndefined();
    expect(ctx.repositoryUrl).toBeUndefined();
    expect(ciContextSchema.parse(ctx)).toEqual(ctx);
  });

  it('takes the host and user it is told', () => {
    const ctx = detectCiContext({}, { secrets: new SecretRegistry(), local: { hostname: 'ada laptop', username: 'ada' } });
    expect(ctx.builderId).toBe('https://shipshape.dev/local/ada%20laptop');
    expect(ctx.actor).toBe('ada');
  });

  it('does not take a JENKINS_URL in a developer shell (the Jenkins CLI reads it) for a Jenkins build', () => {
    expect(detect({ JENKINS_URL: 'https://ci.acme.example/' }).provider).toBe('local');
  });

  it('does not take CI flags that are not exactly "true"', () => {
    expect(detect({ GITHUB_ACTIONS: 'false', GITLAB_CI: '', CIRCLECI: '1' }).provider).toBe('local');
  });
});

describe('detectCiContext: precedence', () => {
  it('prefers GitHub Actions over GitLab, CircleCI and Jenkins variables, and warns', () => {
    const ctx = detect({ ...jenkinsEnv, ...circleEnv, ...gitlabEnv, ...githubEnv });
    expect(ctx.provider).toBe('github-actions');
    expect(ctx.commit).toBe(SHA);
    expect(ctx.warnings).toContain('variables of several CI systems are set (github-actions, gitlab-ci, circleci, jenkins); using github-actions');
  });

  it('prefers GitLab over CircleCI and Jenkins, and CircleCI over Jenkins', () => {
    expect(detect({ ...jenkinsEnv, ...circleEnv, ...gitlabEnv }).provider).toBe('gitlab-ci');
    expect(detect({ ...jenkinsEnv, ...circleEnv }).provider).toBe('circleci');
  });
});
