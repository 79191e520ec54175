/**
 * The project's Shipshape targets and their order:
 *   [build] → image-digest → sbom, scan, image-sign, provenance → verify, and `release` over all.
 * Cache settings (inputs keyed by the digest, outputs) come from nx.json targetDefaults (init).
 * Existing targets are completed, never replaced: a target of another executor under one of these
 * names is left alone with a warning.
 */
import { logger, readProjectConfiguration, updateProjectConfiguration, type TargetConfiguration, type Tree } from '@nx/devkit';
import { executorId, SHIPSHAPE_EXECUTORS, type ShipshapeExecutor } from '../../../lib/names';

export const RELEASE_TARGET = 'release';
const NOOP_EXECUTOR = 'nx:noop';

type DependsOn = NonNullable<TargetConfiguration['dependsOn']>;

export interface SecurityTargetsOptions {
  /** The target image-digest runs after. */
  buildTarget?: string;
  /** The image-digest `image` option. */
  image?: string;
}

export function securityTargets(options: SecurityTargetsOptions): Record<string, TargetConfiguration> {
  const step = (name: ShipshapeExecutor, dependsOn: DependsOn): TargetConfiguration => ({ executor: executorId(name), dependsOn });
  return {
    'image-digest': {
      executor: executorId('image-digest'),
      ...(options.buildTarget ? { dependsOn: [options.buildTarget] } : {}),
      ...(options.image ? { options: { image: options.image } } : {}),
    },
    sbom: step('sbom', ['image-digest']),
    scan: step('scan', ['image-digest']),
    'image-sign': step('image-sign', ['image-digest']),
    // Provenance lists the SBOM and scan reports as byproducts, so it runs after them.
    provenance: step('provenance', ['image-digest', 'sbom', 'scan']),
    // Last: it checks the signature and the attestations the steps before it attached.
    verify: step('verify', ['image-digest', 'sbom', 'scan', 'image-sign', 'provenance']),
    [RELEASE_TARGET]: { executor: NOOP_EXECUTOR, dependsOn: [...SHIPSHAPE_EXECUTORS] },
  };
}

export function addSecurityTargets(tree: Tree, projectName: string, options: SecurityTargetsOptions): void {
  const project = readProjectConfiguration(tree, projectName);
  const targets = { ...project.targets };
  for (const [name, wanted] of Object.entries(securityTargets(options))) {
    const existing = targets[name];
    if (existing && existing.executor !== wanted.executor) {
      logger.warn(
        `Shipshape: ${projectName} already has a "${name}" target (${existing.executor ?? existing.command ?? 'no executor'}); left as it is. ` +
          `Shipshape's would use ${wanted.executor}${wanted.dependsOn ? ` after ${wanted.dependsOn.join(', ')}` : ''}.`,
      );
      continue;
    }
    targets[name] = existing ? completeTarget(existing, wanted) : wanted;
  }
  updateProjectConfiguration(tree, projectName, { ...project, targets });
}

/** Adds missing dependencies and options; an option given on the command line (`--image`) wins. */
function completeTarget(existing: TargetConfiguration, wanted: TargetConfiguration): TargetConfiguration {
  const dependsOn = unionDependsOn(existing.dependsOn ?? [], wanted.dependsOn ?? []);
  const options = wanted.options ? { ...existing.options, ...wanted.options } : existing.options;
  return {
    ...existing,
    ...(dependsOn.length > 0 ? { dependsOn } : {}),
    ...(options ? { options } : {}),
  };
}

function unionDependsOn(existing: DependsOn, wanted: DependsOn): DependsOn {
  const seen = new Set(existing.map((d) => JSON.stringify(d)));
  return [...existing, ...wanted.filter((d) => !seen.has(JSON.stringify(d)))];
}
