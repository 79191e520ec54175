/**
 * `nx g @shipshape/nx:configuration <project> [--image REPO] [--build-target T]`: the Shipshape
 * targets for one project, wired after its image build. Idempotent; `--dry-run` shows the changes.
 */
import { formatFiles, type Tree } from '@nx/devkit';
import { initGenerator } from '../init/init';
import { addBuildDigestOutput } from './lib/add-build-digest-output';
import { addSecurityTargets } from './lib/add-security-targets';
import { normalizeOptions } from './lib/normalize-options';
import type { ConfigurationGeneratorOptions } from './schema';

export async function configurationGenerator(tree: Tree, schema: ConfigurationGeneratorOptions): Promise<void> {
  const options = normalizeOptions(tree, schema);
  await initGenerator(tree, { skipFormat: true });
  addBuildDigestOutput(tree, options.project, options.build);
  addSecurityTargets(tree, options.project, { buildTarget: options.build?.name, image: options.image });
  if (!options.skipFormat) await formatFiles(tree);
}

export default configurationGenerator;
