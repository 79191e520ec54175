/**
 * A run outside CI, buildType https://shipshape.dev/buildtypes/local/v1. The builder id is the CI
 * module's `https://shipshape.dev/local/<host>` — never a CI's — and the source is what the Git
 * checkout shows, with whether the work tree had uncommitted changes (then the commit does not
 * describe everything that was built).
 */
import type { CiContext } from '../../ci';
import { compact, sourceDependency, type ProviderProvenance } from '../parts';
import { BUILD_TYPES } from '../types';

export interface LocalSourceState {
  /** Tracked files differed from the commit. */
  dirty: boolean;
}

export function localProvenance(context: CiContext, source: LocalSourceState | undefined): ProviderProvenance {
  const warnings = ['not running in CI: the provenance names this machine as the builder (SLSA Build L1 at most)'];
  if (source?.dirty) warnings.push('the work tree has uncommitted changes: the commit in the provenance does not describe everything built');
  return {
    buildDefinition: {
      buildType: BUILD_TYPES.local,
      externalParameters: compact({ source: { repository: context.repositoryUrl, ref: context.ref } }),
      internalParameters: compact({ local: { workTreeDirty: source?.dirty } }),
      resolvedDependencies: sourceDependency(context.repositoryUrl, context.ref, context.commit),
    },
    builderId: context.builderId,
    warnings,
  };
}
