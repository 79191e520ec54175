/**
 * Jenkins, buildType https://shipshape.dev/buildtypes/jenkins/v1, from the variables Jenkins core, the
 * Git plugin and multibranch pipelines set. The builder is the Jenkins job (its URL); the invocation
 * is the build (`BUILD_URL`). Jenkins names no pipeline file nor the build's start time in a variable.
 */
import type { CiContext } from '../../ci';
import { compact, sourceDependency, type ProviderProvenance } from '../parts';
import { BUILD_TYPES } from '../types';

export function jenkinsProvenance(context: CiContext): ProviderProvenance {
  const raw = context.raw;
  const warnings: string[] = [];
  if (!context.repositoryUrl) warnings.push('GIT_URL is not set (the Git plugin sets it on checkout): the provenance names no source repository');
  return {
    buildDefinition: {
      buildType: BUILD_TYPES.jenkins,
      externalParameters: compact({
        workflow: { ref: context.ref, repository: context.repositoryUrl },
        job: raw.JOB_NAME,
      }),
      internalParameters: compact({
        jenkins: {
          server_url: context.serverUrl,
          build_number: raw.BUILD_NUMBER ?? raw.BUILD_ID,
          node_name: raw.NODE_NAME,
          change_id: raw.CHANGE_ID,
        },
      }),
      resolvedDependencies: sourceDependency(context.repositoryUrl, context.ref, context.commit),
    },
    builderId: context.builderId,
    invocationId: context.runUrl,
    warnings,
  };
}
