/**
 * Jenkins, from the variables Jenkins core sets (`${JENKINS_URL}env-vars.html`), the Git plugin
 * (`GIT_URL`, `GIT_COMMIT`, `GIT_BRANCH`) and multibranch pipelines (`BRANCH_NAME`, `TAG_NAME`, `CHANGE_*`).
 * Jenkins is always operated by its user, so the runner environment is `self-hosted`.
 */
import type { CiContextDraft, Env } from '../context';
import { normalizeRepositoryUrl, stripUrlCredentials } from '../repository-url';
import { fullRef, pickRaw, readVar, refParts, withoutTrailingSlash } from './env';
import type { CiProviderReader } from './provider';

export const JENKINS_RAW_VARIABLES = [
  'JENKINS_URL',
  'JOB_NAME',
  'JOB_BASE_NAME',
  'JOB_URL',
  'BUILD_NUMBER',
  'BUILD_ID',
  'BUILD_URL',
  'BUILD_TAG',
  'BUILD_DISPLAY_NAME',
  'NODE_NAME',
  'NODE_LABELS',
  'EXECUTOR_NUMBER',
  'STAGE_NAME',
  'GIT_URL',
  'GIT_COMMIT',
  'GIT_PREVIOUS_COMMIT',
  'GIT_BRANCH',
  'GIT_LOCAL_BRANCH',
  'BRANCH_NAME',
  'TAG_NAME',
  'CHANGE_ID',
  'CHANGE_URL',
  'CHANGE_BRANCH',
  'CHANGE_TARGET',
  'CHANGE_AUTHOR',
] as const;

/**
 * `origin/main`, `refs/remotes/origin/main`, `refs/heads/main` → `main` (the Git plugin reports the
 * remote-tracking name). Only `origin` is stripped: another remote's prefix cannot be told apart
 * from a branch named with a slash.
 */
function branchFromGitBranch(gitBranch: string | undefined): { branch?: string; tag?: string } {
  if (!gitBranch) return {};
  const parts = refParts(gitBranch);
  if (parts.branch || parts.tag) return parts;
  for (const prefix of ['refs/remotes/origin/', 'remotes/origin/', 'origin/']) {
    if (gitBranch.startsWith(prefix)) return { branch: gitBranch.slice(prefix.length) };
  }
  return { branch: gitBranch };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The job's URL: `JOB_URL`, else built from `JENKINS_URL` and the folder path in `JOB_NAME`. */
function jobUrl(env: Env): string | undefined {
  const explicit = readVar(env, 'JOB_URL');
  if (explicit) return withoutTrailingSlash(explicit);
  const jenkinsUrl = readVar(env, 'JENKINS_URL');
  const jobName = readVar(env, 'JOB_NAME');
  if (!jenkinsUrl || !jobName) return undefined;
  // Multibranch job names are already percent-encoded (`repo/feature%2Fx`): decode before encoding.
  const path = jobName
    .split('/')
    .map((segment) => encodeURIComponent(safeDecode(segment)))
    .join('/job/');
  return `${withoutTrailingSlash(jenkinsUrl)}/job/${path}`;
}

export const jenkins: CiProviderReader = {
  id: 'jenkins',
  // JENKINS_URL alone is common on developer machines (the Jenkins CLI reads it); a build also sets its ids.
  matches: (env) =>
    (Boolean(readVar(env, 'JENKINS_URL')) &&
      Boolean(readVar(env, 'BUILD_NUMBER') ?? readVar(env, 'BUILD_ID') ?? readVar(env, 'BUILD_URL') ?? readVar(env, 'JOB_NAME'))) ||
    (Boolean(readVar(env, 'BUILD_ID')) && Boolean(readVar(env, 'JOB_NAME'))),
  read(env, { secrets }): CiContextDraft {
    const v = (name: string) => readVar(env, name);
    const warnings: string[] = [];
    const repositoryUrl = normalizeRepositoryUrl(v('GIT_URL') ?? v('GIT_URL_1'), secrets);
    if (!repositoryUrl) warnings.push('GIT_URL is not set or not a repository URL (the Git plugin sets it on checkout); repositoryUrl left unset');

    const isChangeRequest = Boolean(v('CHANGE_ID'));
    const tag = v('TAG_NAME') ?? branchFromGitBranch(v('GIT_BRANCH')).tag;
    let branch: string | undefined;
    if (isChangeRequest) branch = v('CHANGE_BRANCH');
    else if (v('BRANCH_NAME') && v('BRANCH_NAME') !== tag) branch = v('BRANCH_NAME');
    else if (!tag) branch = v('GIT_LOCAL_BRANCH') ?? branchFromGitBranch(v('GIT_BRANCH')).branch;

    const serverUrl = v('JENKINS_URL') ? withoutTrailingSlash(stripUrlCredentials(v('JENKINS_URL') as string, secrets)) : undefined;
    const job = jobUrl(env);
    const builderId = job ? stripUrlCredentials(job, secrets) : `urn:jenkins:job:${encodeURIComponent(v('JOB_NAME') ?? 'unknown')}`;
    if (!job) warnings.push('JENKINS_URL is not set (configure the Jenkins URL in the system configuration); the builder id is not a URL');

    return {
      provider: 'jenkins',
      isCi: true,
      repositoryUrl,
      commit: v('GIT_COMMIT'),
      // A change request (pull request) build has no branch ref of its own in this repository.
      ref: isChangeRequest ? undefined : fullRef(tag, branch),
      branch,
      tag,
      runId: v('BUILD_NUMBER') ?? v('BUILD_ID'),
      runUrl: v('BUILD_URL') ? stripUrlCredentials(v('BUILD_URL') as string, secrets) : undefined,
      workflow: { name: v('JOB_NAME') },
      job: v('JOB_BASE_NAME'),
      actor: v('CHANGE_AUTHOR') ?? v('BUILD_USER_ID'),
      runnerEnvironment: 'self-hosted',
      serverUrl,
      builderId,
      raw: pickRaw(env, JENKINS_RAW_VARIABLES, secrets),
      warnings,
      sources: {
        repositoryUrl: 'GIT_URL',
        commit: 'GIT_COMMIT',
        ref: tag ? 'TAG_NAME' : 'BRANCH_NAME',
        branch: 'BRANCH_NAME',
        tag: 'TAG_NAME',
        runId: 'BUILD_NUMBER',
        runUrl: 'BUILD_URL',
        'workflow.name': 'JOB_NAME',
        job: 'JOB_BASE_NAME',
        actor: 'CHANGE_AUTHOR',
        serverUrl: 'JENKINS_URL',
        builderId: 'JOB_URL',
      },
    };
  },
};
