/**
 * What `@nx/docker` (Nx 21+) leaves behind. Its `docker:build` target is inferred (`docker build .`
 * through nx:run-commands) and records nothing; `nx release version` tags the image and writes the
 * full reference (`registry/repository:version`) to `tmp/<projectRoot>/.docker-version`, which
 * `nx release publish` then pushes. So the reference comes from that file; the digest from the registry.
 */
import * as path from 'node:path';
import { ShipshapeError } from '@shipshape/core/base';
import { readSmallFile } from './read-small-file';

export const NX_DOCKER_PLUGIN = '@nx/docker';
/** The inferred build target's default name (`buildTarget` plugin option). */
export const NX_DOCKER_DEFAULT_BUILD_TARGET = 'docker:build';

export function nxDockerVersionFile(workspaceRoot: string, projectRoot: string): string {
  return path.join(workspaceRoot, 'tmp', projectRoot, '.docker-version');
}

export interface NxDockerOutput {
  /** The reference `nx release version` tagged, e.g. `ghcr.io/acme/api:2501.24.a1b2c3d`. */
  reference: string;
  location: string;
}

export async function readNxDockerOutput(workspaceRoot: string, projectRoot: string): Promise<NxDockerOutput | undefined> {
  const file = nxDockerVersionFile(workspaceRoot, projectRoot);
  const text = await readSmallFile(file);
  if (text === undefined) return undefined;
  const reference = text.trim();
  if (reference === '' || /\s/.test(reference)) {
    throw new ShipshapeError('input', 'the @nx/docker version file does not hold one image reference', {
      where: file,
      hint: 'run `nx release version` again to rewrite it',
    });
  }
  return { reference, location: file };
}
