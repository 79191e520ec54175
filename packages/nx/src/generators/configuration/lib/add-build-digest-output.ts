/**
 * Makes the build's record of the image survive Nx's cache. nx-container writes its digest to
 * node_modules/.cache/nx-container/<project>/, which is not among its target's outputs: a cache hit
 * of the build (same sources) would leave image-digest a stale digest, or none on a fresh CI
 * machine. Declaring the directory as an output makes a cache hit restore it.
 * @nx/docker records nothing at build time (the reference is written by `nx release version` to
 * tmp/<projectRoot>/.docker-version, and the digest exists only once it is pushed), so its target
 * is left as it is: image-digest reads that file and resolves the tag in the registry.
 */
import { logger, readProjectConfiguration, updateProjectConfiguration, type TargetConfiguration, type Tree } from '@nx/devkit';
import { NX_CONTAINER_OUTPUT } from '../../../lib/build-outputs/nx-container';
import type { BuildTarget } from './detect-build-target';

export function addBuildDigestOutput(tree: Tree, projectName: string, build: BuildTarget | undefined): boolean {
  if (!build) return false;
  if (build.tool === 'nx-docker') {
    logger.info(
      `Shipshape: ${projectName}:image-digest reads the image @nx/docker's \`nx release version\` records in tmp/<projectRoot>/.docker-version ` +
        'and resolves it in the registry (run it after `nx release publish`), or the image option when there is none.',
    );
    return false;
  }
  if (build.tool !== 'nx-container') return false;

  const project = readProjectConfiguration(tree, projectName);
  // For an inferred target this entry holds only the override; Nx merges it into the plugin's target.
  const target: TargetConfiguration = project.targets?.[build.name] ?? {};
  warnIfNotPushed(projectName, build, target);
  const outputs = target.outputs ?? [];
  if (outputs.includes(NX_CONTAINER_OUTPUT)) return false;
  updateProjectConfiguration(tree, projectName, {
    ...project,
    targets: { ...project.targets, [build.name]: { ...target, outputs: [...outputs, NX_CONTAINER_OUTPUT] } },
  });
  return true;
}

/** image-digest needs the image in a registry; an nx-container build that only loads it locally cannot give one. */
function warnIfNotPushed(projectName: string, build: BuildTarget, target: TargetConfiguration): void {
  if (!build.explicit) return; // the plugin's inferred target pushes in its `ci` configuration
  const options = [target.options, ...Object.values(target.configurations ?? {})] as ({ push?: unknown } | undefined)[];
  if (options.some((o) => o?.push === true)) return;
  logger.warn(
    `Shipshape: ${projectName}:${build.name} does not push the image (no "push": true in its options or configurations); ` +
      'image-digest resolves images in a registry, so push it there (e.g. a "ci" configuration with "push": true).',
  );
}
