/**
 * CircleCI, buildType https://shipshape.dev/buildtypes/circleci/v1, from CircleCI's built-in variables
 * (https://circleci.com/docs/reference/variables/). The builder is the CircleCI project; the
 * invocation is the job (`CIRCLE_BUILD_URL`). CircleCI names neither the config file's path nor the
 * job's start time in a variable.
 */
import type { CiContext } from '../../ci';
import { compact, sourceDependency, type ProviderProvenance } from '../parts';
import { BUILD_TYPES } from '../types';

export function circleciProvenance(context: CiContext): ProviderProvenance {
  const raw = context.raw;
  const warnings: string[] = [];
  if (!context.repositoryUrl) warnings.push('CIRCLE_REPOSITORY_URL is not set: the provenance names no source repository');
  return {
    buildDefinition: {
      buildType: BUILD_TYPES.circleci,
      externalParameters: compact({
        workflow: { ref: context.ref, repository: context.repositoryUrl },
        job: context.job,
      }),
      internalParameters: compact({
        circleci: {
          project_id: raw.CIRCLE_PROJECT_ID,
          organization_id: raw.CIRCLE_ORGANIZATION_ID,
          pipeline_id: raw.CIRCLE_PIPELINE_ID,
          workflow_id: raw.CIRCLE_WORKFLOW_ID,
          build_num: raw.CIRCLE_BUILD_NUM,
          pr_number: raw.CIRCLE_PR_NUMBER,
        },
      }),
      resolvedDependencies: sourceDependency(context.repositoryUrl, context.ref, context.commit),
    },
    builderId: context.builderId,
    invocationId: context.jobUrl ?? context.runUrl,
    warnings,
  };
}
