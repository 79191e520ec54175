/**
 * GitHub Actions, from its default environment variables
 * (https://docs.github.com/en/actions/reference/variables-reference).
 */
import type { CiContextDraft } from '../context';
import { normalizeRepositoryUrl } from '../repository-url';
import { pickRaw, readVar, refParts, withoutTrailingSlash } from './env';
import type { CiProviderReader } from './provider';

/** What the SLSA provenance predicate needs from a GitHub run, kept verbatim. */
export const GITHUB_RAW_VARIABLES = [
  'GITHUB_REPOSITORY',
  'GITHUB_REPOSITORY_ID',
  'GITHUB_REPOSITORY_OWNER',
  'GITHUB_REPOSITORY_OWNER_ID',
  'GITHUB_EVENT_NAME',
  'GITHUB_EVENT_PATH',
  'GITHUB_WORKFLOW',
  'GITHUB_WORKFLOW_REF',
  'GITHUB_WORKFLOW_SHA',
  'GITHUB_JOB',
  'GITHUB_RUN_ID',
  'GITHUB_RUN_NUMBER',
  'GITHUB_RUN_ATTEMPT',
  'GITHUB_REF',
  'GITHUB_REF_NAME',
  'GITHUB_REF_TYPE',
  'GITHUB_REF_PROTECTED',
  'GITHUB_HEAD_REF',
  'GITHUB_BASE_REF',
  'GITHUB_SHA',
  'GITHUB_ACTOR',
  'GITHUB_ACTOR_ID',
  'GITHUB_TRIGGERING_ACTOR',
  'GITHUB_SERVER_URL',
  'GITHUB_API_URL',
  'RUNNER_ENVIRONMENT',
  'RUNNER_NAME',
  'RUNNER_OS',
  'RUNNER_ARCH',
] as const;

/** `owner/repo/.github/workflows/release.yml@refs/heads/main` → `.github/workflows/release.yml`. */
function workflowPath(workflowRef: string | undefined, repository: string | undefined): string | undefined {
  if (!workflowRef) return undefined;
  const withoutRef = workflowRef.split('@')[0];
  if (repository && withoutRef.startsWith(`${repository}/`)) return withoutRef.slice(repository.length + 1);
  const at = withoutRef.indexOf('/.github/');
  return at >= 0 ? withoutRef.slice(at + 1) : undefined;
}

export const githubActions: CiProviderReader = {
  id: 'github-actions',
  matches: (env) => env.GITHUB_ACTIONS === 'true',
  read(env, { secrets }): CiContextDraft {
    const v = (name: string) => readVar(env, name);
    const warnings: string[] = [];
    const serverUrl = withoutTrailingSlash(v('GITHUB_SERVER_URL') ?? 'https://github.com');
    const repository = v('GITHUB_REPOSITORY');
    const ref = v('GITHUB_REF');
    const fromRef = refParts(ref);
    const refType = v('GITHUB_REF_TYPE');
    const refName = v('GITHUB_REF_NAME');
    const runId = v('GITHUB_RUN_ID');
    const runAttempt = v('GITHUB_RUN_ATTEMPT');
    const workflowRef = v('GITHUB_WORKFLOW_REF');

    const repositoryUrl = repository ? normalizeRepositoryUrl(`${serverUrl}/${repository}`, secrets) : undefined;
    if (!repository) warnings.push('GITHUB_REPOSITORY is not set; repositoryUrl left unset');

    let builderId: string;
    if (workflowRef) {
      // The workflow file at its ref is what defines the build (as slsa-github-generator names builders).
      builderId = `${serverUrl}/${workflowRef}`;
    } else {
      builderId = repositoryUrl ?? `${serverUrl}/actions`;
      warnings.push('GITHUB_WORKFLOW_REF is not set (older GitHub Enterprise Server?); the builder id names the repository only');
    }

    return {
      provider: 'github-actions',
      isCi: true,
      repositoryUrl,
      commit: v('GITHUB_SHA'),
      ref,
      // Pull request runs check out refs/pull/N/merge (GITHUB_REF_NAME `N/merge`); the branch is the
      // PR's head branch, set only for pull request events.
      branch: v('GITHUB_HEAD_REF') ?? fromRef.branch ?? (!ref && refType === 'branch' ? refName : undefined),
      tag: fromRef.tag ?? (!ref && refType === 'tag' ? refName : undefined),
      runId,
      runAttempt,
      runUrl:
        repositoryUrl && runId ? `${repositoryUrl}/actions/runs/${runId}${runAttempt ? `/attempts/${runAttempt}` : ''}` : undefined,
      workflow: {
        name: v('GITHUB_WORKFLOW'),
        path: workflowPath(workflowRef, repository),
        ref: workflowRef,
        sha: v('GITHUB_WORKFLOW_SHA'),
      },
      job: v('GITHUB_JOB'),
      event: v('GITHUB_EVENT_NAME'),
      actor: v('GITHUB_ACTOR'),
      runnerEnvironment: v('RUNNER_ENVIRONMENT'),
      serverUrl,
      builderId,
      raw: pickRaw(env, GITHUB_RAW_VARIABLES, secrets),
      warnings,
      sources: {
        repositoryUrl: 'GITHUB_REPOSITORY',
        commit: 'GITHUB_SHA',
        ref: 'GITHUB_REF',
        branch: 'GITHUB_REF',
        tag: 'GITHUB_REF',
        runId: 'GITHUB_RUN_ID',
        runAttempt: 'GITHUB_RUN_ATTEMPT',
        runUrl: 'GITHUB_RUN_ID',
        'workflow.name': 'GITHUB_WORKFLOW',
        'workflow.path': 'GITHUB_WORKFLOW_REF',
        'workflow.ref': 'GITHUB_WORKFLOW_REF',
        'workflow.sha': 'GITHUB_WORKFLOW_SHA',
        job: 'GITHUB_JOB',
        event: 'GITHUB_EVENT_NAME',
        actor: 'GITHUB_ACTOR',
        runnerEnvironment: 'RUNNER_ENVIRONMENT',
        serverUrl: 'GITHUB_SERVER_URL',
        builderId: 'GITHUB_WORKFLOW_REF',
      },
    };
  },
};
