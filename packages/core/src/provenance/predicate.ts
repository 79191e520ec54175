/**
 * The SLSA v1 predicate for one build, from the normalized CI context: the provider's mapping
 * (./providers) plus when it ran and what it produced besides the image.
 */
import type { ResourceDescriptor } from '../attest/statement';
import type { CiContext, OidcTokenClaims } from '../ci';
import { compact, rfc3339, type ProviderProvenance } from './parts';
import { circleciProvenance } from './providers/circleci';
import { githubProvenance } from './providers/github';
import { gitlabProvenance } from './providers/gitlab';
import { jenkinsProvenance } from './providers/jenkins';
import { localProvenance, type LocalSourceState } from './providers/local';
import type { SlsaProvenanceV1 } from './types';

export interface ProvenanceInput {
  context: CiContext;
  /** The CI's OIDC token claims, when the job has a token (see readBuildClaims). */
  claims?: OidcTokenClaims;
  /**
   * When the work started, if the caller knows better than the CI (the process start). The CI job's
   * own start (GitLab `CI_JOB_STARTED_AT`) wins; without either, generation time is used.
   */
  startedOn?: Date;
  /** When the build finished; default now. */
  finishedOn?: Date;
  /** SBOM and scan-report files (see fileByproduct). */
  byproducts?: ResourceDescriptor[];
  /** Local runs: the Git work tree's state. */
  localSource?: LocalSourceState;
}

export interface BuiltProvenance {
  predicate: SlsaProvenanceV1;
  /** What the CI did not say, in words a user can act on. */
  warnings: string[];
}

export function providerProvenance(input: Pick<ProvenanceInput, 'context' | 'claims' | 'localSource'>): ProviderProvenance {
  const { context, claims } = input;
  switch (context.provider) {
    case 'github-actions':
      return githubProvenance(context, claims);
    case 'gitlab-ci':
      return gitlabProvenance(context, claims);
    case 'jenkins':
      return jenkinsProvenance(context);
    case 'circleci':
      return circleciProvenance(context);
    case 'local':
      return localProvenance(context, input.localSource);
  }
}

export function buildProvenancePredicate(input: ProvenanceInput): BuiltProvenance {
  const now = new Date();
  const provider = providerProvenance(input);
  const { buildType, externalParameters, internalParameters, resolvedDependencies } = provider.buildDefinition;
  const finishedOn = rfc3339(input.finishedOn ?? now);
  const startedOn = provider.jobStartedOn ?? rfc3339(input.startedOn ?? now);

  const predicate: SlsaProvenanceV1 = {
    buildDefinition: {
      buildType,
      // Required by the spec even when empty; the optional parts are left out when there is nothing in them.
      externalParameters,
      ...(internalParameters && Object.keys(internalParameters).length > 0 ? { internalParameters } : {}),
      ...(resolvedDependencies && resolvedDependencies.length > 0 ? { resolvedDependencies } : {}),
    },
    runDetails: {
      builder: { id: provider.builderId },
      metadata: compact({ invocationId: provider.invocationId, startedOn, finishedOn }),
      ...(input.byproducts && input.byproducts.length > 0 ? { byproducts: input.byproducts } : {}),
    },
  };
  return { predicate, warnings: provider.warnings };
}
