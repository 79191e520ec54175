/**
 * The target that builds (and pushes) the project's image: named by --build-target, written in
 * project.json (an `@nx-tools/nx-container:build` target), or inferred by a plugin from the
 * project's Dockerfile (`@nx/docker`'s `docker:build`, `@nx-tools/nx-container`'s `container`).
 * Inferred targets are not in project.json, so they are recognised from the nx.json plugin entry.
 */
import { joinPathFragments, readNxJson, type ProjectConfiguration, type TargetConfiguration, type Tree } from '@nx/devkit';
import { NX_CONTAINER_BUILD_EXECUTOR, NX_CONTAINER_PLUGIN } from '../../../lib/build-outputs/nx-container';
import { NX_DOCKER_DEFAULT_BUILD_TARGET, NX_DOCKER_PLUGIN } from '../../../lib/build-outputs/nx-docker';

export type BuildTool = 'nx-container' | 'nx-docker' | 'other';

export interface BuildTarget {
  name: string;
  tool: BuildTool;
  /** Written in project.json (else only inferred by a plugin). */
  explicit: boolean;
}

export function detectBuildTarget(tree: Tree, project: ProjectConfiguration & { name: string }, requested?: string): BuildTarget | undefined {
  const inferred = inferredBuildTargets(tree, project.root);
  const targets = project.targets ?? {};
  if (requested) {
    const target = targets[requested];
    if (target) return { name: requested, tool: toolOf(requested, target, inferred), explicit: true };
    const match = inferred.find((t) => t.name === requested);
    if (match) return match;
    const known = [...Object.keys(targets), ...inferred.map((t) => t.name)];
    throw new Error(
      `Project "${project.name}" has no target "${requested}" (its targets: ${known.join(', ') || 'none'}). ` +
        'Pass --build-target the name of the target that builds and pushes the image, or leave it out.',
    );
  }
  const container = Object.entries(targets).find(([, target]) => target.executor === NX_CONTAINER_BUILD_EXECUTOR);
  if (container) return { name: container[0], tool: 'nx-container', explicit: true };
  return inferred[0];
}

function toolOf(name: string, target: TargetConfiguration, inferred: BuildTarget[]): BuildTool {
  if (target.executor === NX_CONTAINER_BUILD_EXECUTOR) return 'nx-container';
  // A project.json entry without an executor overrides the plugin's inferred target of that name.
  const match = !target.executor && !target.command ? inferred.find((t) => t.name === name) : undefined;
  return match?.tool ?? 'other';
}

/** Build targets the registered plugins infer for a project with a Dockerfile at its root. */
function inferredBuildTargets(tree: Tree, projectRoot: string): BuildTarget[] {
  if (!tree.exists(joinPathFragments(projectRoot, 'Dockerfile'))) return [];
  const found: BuildTarget[] = [];
  for (const entry of readNxJson(tree)?.plugins ?? []) {
    const plugin = typeof entry === 'string' ? entry : entry.plugin;
    const options = typeof entry === 'string' ? undefined : (entry.options as Record<string, unknown> | undefined);
    if (plugin === NX_CONTAINER_PLUGIN) {
      const name = typeof options?.buildTargetName === 'string' ? options.buildTargetName : 'container';
      found.push({ name, tool: 'nx-container', explicit: false });
    } else if (plugin === NX_DOCKER_PLUGIN) {
      found.push({ name: nxDockerTargetName(options?.buildTarget), tool: 'nx-docker', explicit: false });
    }
  }
  return found;
}

/** `buildTarget` is a name or `{ name, ... }` (see @nx/docker's plugin options). */
function nxDockerTargetName(option: unknown): string {
  if (typeof option === 'string') return option;
  if (option && typeof option === 'object' && typeof (option as { name?: unknown }).name === 'string') return (option as { name: string }).name;
  return NX_DOCKER_DEFAULT_BUILD_TARGET;
}
