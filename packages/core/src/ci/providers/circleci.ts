/**
 * CircleCI, from its built-in environment variables (https://circleci.com/docs/reference/variables/).
 * CircleCI does not say in a variable whether a job runs on its machines or a self-hosted runner, so
 * `runnerEnvironment` stays unset.
 */
import type { CiContextDraft } from '../context';
import { normalizeRepositoryUrl, stripUrlCredentials } from '../repository-url';
import { fullRef, hostOf, pickRaw, readVar } from './env';
import type { CiProviderReader } from './provider';

export const CIRCLECI_RAW_VARIABLES = [
  'CIRCLE_PROJECT_USERNAME',
  'CIRCLE_PROJECT_REPONAME',
  'CIRCLE_REPOSITORY_URL',
  'CIRCLE_SHA1',
  'CIRCLE_BRANCH',
  'CIRCLE_TAG',
  'CIRCLE_BUILD_NUM',
  'CIRCLE_BUILD_URL',
  'CIRCLE_WORKFLOW_ID',
  'CIRCLE_WORKFLOW_JOB_ID',
  'CIRCLE_WORKFLOW_WORKSPACE_ID',
  'CIRCLE_PIPELINE_ID',
  'CIRCLE_JOB',
  'CIRCLE_USERNAME',
  'CIRCLE_PR_NUMBER',
  'CIRCLE_PULL_REQUEST',
  'CIRCLE_ORGANIZATION_ID',
  'CIRCLE_PROJECT_ID',
  'CIRCLE_NODE_INDEX',
  'CIRCLE_NODE_TOTAL',
] as const;

/** Hosts of CircleCI cloud, where workflow pages live under app.circleci.com. */
const CLOUD_HOSTS = new Set(['circleci.com', 'app.circleci.com']);

export const circleci: CiProviderReader = {
  id: 'circleci',
  matches: (env) => env.CIRCLECI === 'true',
  read(env, { secrets }): CiContextDraft {
    const v = (name: string) => readVar(env, name);
    const warnings: string[] = [];
    const repositoryUrl = normalizeRepositoryUrl(v('CIRCLE_REPOSITORY_URL'), secrets);
    if (!repositoryUrl) warnings.push('CIRCLE_REPOSITORY_URL is not set or not a repository URL; repositoryUrl left unset');

    const buildUrl = v('CIRCLE_BUILD_URL') ? stripUrlCredentials(v('CIRCLE_BUILD_URL') as string, secrets) : undefined;
    const host = hostOf(buildUrl);
    const serverUrl = buildUrl && host ? `${new URL(buildUrl).protocol}//${host}` : undefined;
    const workflowId = v('CIRCLE_WORKFLOW_ID');
    const onCloud = host === undefined || CLOUD_HOSTS.has(host);

    // The job URL ends in the job number; without it, it names the project on CircleCI.
    const projectUrl = buildUrl && /\/\d+\/?$/.test(buildUrl) ? buildUrl.replace(/\/\d+\/?$/, '') : undefined;
    const org = v('CIRCLE_PROJECT_USERNAME');
    const repo = v('CIRCLE_PROJECT_REPONAME');
    let builderId: string;
    if (projectUrl) {
      builderId = projectUrl;
    } else {
      builderId = `urn:circleci:project:${encodeURIComponent(org ?? 'unknown')}/${encodeURIComponent(repo ?? 'unknown')}`;
      warnings.push('CIRCLE_BUILD_URL is not set or has no job number; the builder id is not a URL');
    }

    const branch = v('CIRCLE_BRANCH');
    const tag = v('CIRCLE_TAG');
    return {
      provider: 'circleci',
      isCi: true,
      repositoryUrl,
      commit: v('CIRCLE_SHA1'),
      ref: fullRef(tag, branch),
      branch,
      tag,
      runId: workflowId,
      runUrl: workflowId && onCloud ? `https://app.circleci.com/pipelines/workflows/${workflowId}` : undefined,
      jobUrl: buildUrl,
      workflow: {},
      job: v('CIRCLE_JOB'),
      actor: v('CIRCLE_USERNAME'),
      serverUrl,
      builderId,
      raw: pickRaw(env, CIRCLECI_RAW_VARIABLES, secrets),
      warnings,
      sources: {
        repositoryUrl: 'CIRCLE_REPOSITORY_URL',
        commit: 'CIRCLE_SHA1',
        ref: tag ? 'CIRCLE_TAG' : 'CIRCLE_BRANCH',
        branch: 'CIRCLE_BRANCH',
        tag: 'CIRCLE_TAG',
        runId: 'CIRCLE_WORKFLOW_ID',
        runUrl: 'CIRCLE_WORKFLOW_ID',
        jobUrl: 'CIRCLE_BUILD_URL',
        job: 'CIRCLE_JOB',
        actor: 'CIRCLE_USERNAME',
        serverUrl: 'CIRCLE_BUILD_URL',
        builderId: 'CIRCLE_BUILD_URL',
      },
    };
  },
};
