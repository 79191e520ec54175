/**
 * GitLab CI/CD, buildType https://shipshape.dev/buildtypes/gitlab-ci/v1, from GitLab's predefined
 * variables (https://docs.gitlab.com/ci/variables/predefined_variables). The builder is the runner,
 * named as GitLab Runner's own provenance names it (`<project>/-/runners/<id>`); the invocation is the
 * job, whose URL is new for every retry. Whether the runner is GitLab-hosted is stated only in the
 * job's ID token (`runner_environment`), so it appears when the job declared one.
 */
import type { CiContext, OidcTokenClaims } from '../../ci';
import { stringClaim } from '../claims';
import { compact, parseTimestamp, sourceDependency, type ProviderProvenance } from '../parts';
import { BUILD_TYPES } from '../types';

export function gitlabProvenance(context: CiContext, claims: OidcTokenClaims | undefined): ProviderProvenance {
  const raw = context.raw;
  const warnings: string[] = [];
  if (!context.repositoryUrl) warnings.push('CI_PROJECT_URL is not set: the provenance names no source repository');
  return {
    buildDefinition: {
      buildType: BUILD_TYPES.gitlabCi,
      externalParameters: compact({
        workflow: { ref: context.ref, repository: context.repositoryUrl, path: context.workflow.path },
        job: context.job,
      }),
      internalParameters: compact({
        gitlab: {
          server_url: context.serverUrl,
          project_id: raw.CI_PROJECT_ID,
          pipeline_id: raw.CI_PIPELINE_ID,
          pipeline_source: raw.CI_PIPELINE_SOURCE,
          job_id: raw.CI_JOB_ID,
          runner_id: raw.CI_RUNNER_ID,
          runner_environment: stringClaim(claims, 'runner_environment'),
        },
      }),
      resolvedDependencies: sourceDependency(context.repositoryUrl, context.ref, context.commit),
    },
    builderId: context.builderId,
    invocationId: context.jobUrl ?? context.runUrl,
    jobStartedOn: parseTimestamp(raw.CI_JOB_STARTED_AT),
    warnings,
  };
}
