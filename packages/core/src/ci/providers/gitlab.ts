/**
 * GitLab CI/CD, from its predefined variables (https://docs.gitlab.com/ci/variables/predefined_variables).
 * GitLab states the runner type (gitlab-hosted / self-hosted) only in ID token claims
 * (`runner_environment`), not in a variable, so `runnerEnvironment` stays unset here.
 */
import type { CiContextDraft } from '../context';
import { normalizeRepositoryUrl } from '../repository-url';
import { fullRef, hostOf, pickRaw, readVar, withoutTrailingSlash } from './env';
import type { CiProviderReader } from './provider';

export const GITLAB_RAW_VARIABLES = [
  'CI_PROJECT_URL',
  'CI_PROJECT_PATH',
  'CI_PROJECT_ID',
  'CI_PROJECT_NAMESPACE',
  'CI_REPOSITORY_URL',
  'CI_DEFAULT_BRANCH',
  'CI_COMMIT_SHA',
  'CI_COMMIT_BEFORE_SHA',
  'CI_COMMIT_REF_NAME',
  'CI_COMMIT_REF_PROTECTED',
  'CI_COMMIT_BRANCH',
  'CI_COMMIT_TAG',
  'CI_PIPELINE_ID',
  'CI_PIPELINE_IID',
  'CI_PIPELINE_URL',
  'CI_PIPELINE_SOURCE',
  'CI_PIPELINE_NAME',
  'CI_PIPELINE_CREATED_AT',
  'CI_JOB_ID',
  'CI_JOB_NAME',
  'CI_JOB_STAGE',
  'CI_JOB_URL',
  'CI_JOB_STARTED_AT',
  'CI_JOB_IMAGE',
  'CI_CONFIG_PATH',
  'CI_SERVER_URL',
  'CI_SERVER_HOST',
  'CI_SERVER_VERSION',
  'CI_RUNNER_ID',
  'CI_RUNNER_DESCRIPTION',
  'CI_RUNNER_TAGS',
  'CI_RUNNER_VERSION',
  'CI_RUNNER_EXECUTABLE_ARCH',
  'GITLAB_USER_LOGIN',
  'GITLAB_USER_ID',
  'CI_MERGE_REQUEST_IID',
  'CI_MERGE_REQUEST_REF_PATH',
  'CI_MERGE_REQUEST_SOURCE_BRANCH_NAME',
  'CI_MERGE_REQUEST_TARGET_BRANCH_NAME',
] as const;

/** A config path in this project's repository (not `file@other/project` or a remote URL). */
function isLocalConfigPath(path: string): boolean {
  return !path.includes('@') && !path.includes('://');
}

export const gitlabCi: CiProviderReader = {
  id: 'gitlab-ci',
  matches: (env) => env.GITLAB_CI === 'true',
  read(env, { secrets }): CiContextDraft {
    const v = (name: string) => readVar(env, name);
    const warnings: string[] = [];
    const serverUrl = v('CI_SERVER_URL') ? withoutTrailingSlash(v('CI_SERVER_URL') as string) : undefined;
    const projectPath = v('CI_PROJECT_PATH');
    // CI_REPOSITORY_URL embeds the job token; normalizing strips and registers it.
    const repositoryUrl =
      normalizeRepositoryUrl(v('CI_PROJECT_URL'), secrets) ??
      normalizeRepositoryUrl(v('CI_REPOSITORY_URL'), secrets) ??
      (serverUrl && projectPath ? normalizeRepositoryUrl(`${serverUrl}/${projectPath}`, secrets) : undefined);
    if (!repositoryUrl) warnings.push('CI_PROJECT_URL is not set; repositoryUrl left unset');

    const tag = v('CI_COMMIT_TAG');
    // CI_COMMIT_BRANCH is unset in merge request and tag pipelines; CI_COMMIT_REF_NAME names either.
    const branch = v('CI_COMMIT_BRANCH') ?? v('CI_MERGE_REQUEST_SOURCE_BRANCH_NAME') ?? (tag ? undefined : v('CI_COMMIT_REF_NAME'));
    // Merge request pipelines run on refs/merge-requests/<iid>/head, which GitLab names in CI_MERGE_REQUEST_REF_PATH.
    const ref =
      tag || v('CI_COMMIT_BRANCH')
        ? fullRef(tag, v('CI_COMMIT_BRANCH'))
        : (v('CI_MERGE_REQUEST_REF_PATH') ?? fullRef(undefined, branch));

    const configPath = v('CI_CONFIG_PATH');
    const serverHost = v('CI_SERVER_HOST') ?? hostOf(serverUrl);
    // The same form as the ID token's `ci_config_ref_uri` claim.
    const workflowRef =
      configPath && isLocalConfigPath(configPath) && serverHost && projectPath && ref
        ? `${serverHost}/${projectPath}//${configPath}@${ref}`
        : undefined;

    const runnerId = v('CI_RUNNER_ID');
    let builderId: string;
    if (repositoryUrl && runnerId) {
      // The form GitLab Runner's own SLSA provenance uses for builder.id.
      builderId = `${repositoryUrl}/-/runners/${runnerId}`;
    } else {
      builderId = repositoryUrl ?? serverUrl ?? 'https://gitlab.com';
      warnings.push('CI_RUNNER_ID is not set; the builder id names the project only');
    }

    return {
      provider: 'gitlab-ci',
      isCi: true,
      repositoryUrl,
      commit: v('CI_COMMIT_SHA'),
      ref,
      branch,
      tag,
      runId: v('CI_PIPELINE_ID'),
      runUrl: v('CI_PIPELINE_URL'),
      jobUrl: v('CI_JOB_URL'),
      workflow: { name: v('CI_PIPELINE_NAME'), path: configPath, ref: workflowRef },
      job: v('CI_JOB_NAME'),
      event: v('CI_PIPELINE_SOURCE'),
      actor: v('GITLAB_USER_LOGIN'),
      serverUrl,
      builderId,
      raw: pickRaw(env, GITLAB_RAW_VARIABLES, secrets),
      warnings,
      sources: {
        repositoryUrl: 'CI_PROJECT_URL',
        commit: 'CI_COMMIT_SHA',
        ref: tag ? 'CI_COMMIT_TAG' : 'CI_COMMIT_REF_NAME',
        branch: 'CI_COMMIT_BRANCH',
        tag: 'CI_COMMIT_TAG',
        runId: 'CI_PIPELINE_ID',
        runUrl: 'CI_PIPELINE_URL',
        jobUrl: 'CI_JOB_URL',
        'workflow.name': 'CI_PIPELINE_NAME',
        'workflow.path': 'CI_CONFIG_PATH',
        'workflow.ref': 'CI_CONFIG_PATH',
        job: 'CI_JOB_NAME',
        event: 'CI_PIPELINE_SOURCE',
        actor: 'GITLAB_USER_LOGIN',
        serverUrl: 'CI_SERVER_URL',
        builderId: 'CI_RUNNER_ID',
      },
    };
  },
};
