/**
 * A file the cached targets downstream must see has to be among the target's declared `outputs`:
 * Nx hashes `dependentTasksOutputFiles` only inside the outputs of the tasks depended on. A file
 * written elsewhere would leave the SBOM, scan and signing targets keyed on nothing — and replaying
 * an old image's results for a new one. So this is checked, not assumed.
 */
import { createRequire } from 'node:module';
import type { ExecutorContext } from '@nx/devkit';
import { ShipshapeError } from '@shipshape/core/base';

type OutputsResolver = typeof import('@nx/devkit').getOutputsForTargetAndConfiguration;
let resolver: OutputsResolver | undefined;

/**
 * Nx's own resolution of a target's outputs. @nx/devkit re-exports it from nx/src/tasks-runner/utils
 * (public through nx's `./src/*` export), which loads in ~5 ms where all of @nx/devkit costs ~150 ms
 * — paid by every image-digest batch process. Should a later Nx move it, devkit still has it.
 */
function outputsResolver(): OutputsResolver {
  if (!resolver) {
    const load = createRequire(__filename);
    try {
      resolver = (load('nx/src/tasks-runner/utils') as { getOutputsForTargetAndConfiguration?: OutputsResolver }).getOutputsForTargetAndConfiguration;
    } catch {
      resolver = undefined;
    }
    resolver ??= (load('@nx/devkit') as typeof import('@nx/devkit')).getOutputsForTargetAndConfiguration;
  }
  return resolver;
}

const GLOB_CHARS = /[*?[\]{}!]/;

/** Throws when `relativeFile` (workspace-relative, posix) is not inside the running target's outputs. */
export function assertDeclaredOutput(context: ExecutorContext, relativeFile: string): void {
  const { projectName, targetName } = context;
  const node = projectName ? context.projectGraph?.nodes[projectName] : undefined;
  // Called outside a task (a script, a test of the executor alone): there is no cache to protect.
  if (!node || !targetName || !node.data.targets?.[targetName]) return;
  const outputs = outputsResolver()(
    { project: node.name, target: targetName, configuration: context.configurationName },
    {},
    node,
  );
  const covered = outputs.some((output) => GLOB_CHARS.test(output) || relativeFile === output || relativeFile.startsWith(`${output}/`));
  if (covered) return;
  throw new ShipshapeError('config', `${relativeFile} is not among the outputs of ${projectName}:${targetName} (${outputs.join(', ') || 'none declared'})`, {
    hint: `add "{workspaceRoot}/${relativeFile}" to the target's "outputs" (\`nx g @shipshape/nx:init\` declares the default path in nx.json targetDefaults), so the cached steps after it hash the digest`,
  });
}
