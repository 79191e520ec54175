/** The generator's options with the project read and its build target found. */
import { readProjectConfiguration, type Tree } from '@nx/devkit';
import { isShipshapeError, parseReference } from '@shipshape/core/base';
import type { ConfigurationGeneratorOptions } from '../schema';
import { detectBuildTarget, type BuildTarget } from './detect-build-target';

export interface NormalizedConfigurationOptions {
  project: string;
  projectRoot: string;
  image?: string;
  build?: BuildTarget;
  skipFormat: boolean;
}

export function normalizeOptions(tree: Tree, options: ConfigurationGeneratorOptions): NormalizedConfigurationOptions {
  const project = readProjectConfiguration(tree, options.project);
  const image = options.image?.trim() || undefined;
  if (image) assertImageReference(image);
  return {
    project: options.project,
    projectRoot: project.root,
    image,
    build: detectBuildTarget(tree, { ...project, name: options.project }, options.buildTarget?.trim() || undefined),
    skipFormat: options.skipFormat ?? false,
  };
}

/** A typo in --image is reported now, not at the first release. */
function assertImageReference(image: string): void {
  try {
    parseReference(image);
  } catch (error) {
    if (!isShipshapeError(error)) throw error;
    throw new Error(`--image: ${error.describe()}`);
  }
}
