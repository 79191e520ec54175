/**
 * `nx g @shipshape/nx:init`: the workspace-wide part of Shipshape — cache settings for its
 * executors, a security.yaml to start from, and its results kept out of git. Idempotent.
 */
import { formatFiles, logger, type Tree } from '@nx/devkit';
import { ignoreShipshapeOutputs } from './lib/gitignore';
import { addWorkspaceSecurityConfig } from './lib/security-yaml';
import { addShipshapeTargetDefaults } from './lib/target-defaults';
import type { InitGeneratorOptions } from './schema';

export async function initGenerator(tree: Tree, options: InitGeneratorOptions = {}): Promise<void> {
  addShipshapeTargetDefaults(tree);
  if (addWorkspaceSecurityConfig(tree)) {
    logger.info('Shipshape: security.yaml has every feature off; enable signing, sbom, scan or provenance there.');
  }
  ignoreShipshapeOutputs(tree);
  if (!options.skipFormat) await formatFiles(tree);
}

export default initGenerator;
