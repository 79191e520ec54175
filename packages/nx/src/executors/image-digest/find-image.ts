/**
 * Where the image comes from, in order: an `image` option that already names one image (a digest,
 * an `oci:` layout, a `docker-archive:`); the build's own record (`@nx-tools/nx-container`'s digest,
 * `@nx/docker`'s version file); the `image` option's tag, resolved in the registry.
 */
import { describeImage, formatReference, isNotFound, parseReference, parseRegistryReference, pinDigest, repositoryName, ShipshapeError, type ImageDescription, type ImageReference, type Logger, type OpenedImage } from '@shipshape/core/base';
import { readNxContainerOutput } from '../../lib/build-outputs/nx-container';
import { readNxDockerOutput } from '../../lib/build-outputs/nx-docker';
import { referenceInWorkspace, workspaceRelative } from '../../lib/paths';

export interface ImageCandidate {
  reference: string;
  /** For messages: `image option`, `nx-container (node_modules/.cache/…)`, … */
  source: string;
  /** A build's record can name an image that was never pushed (`--load`); then the next candidate is tried. */
  mayBeMissing: boolean;
}

export async function imageCandidates(image: string | undefined, workspaceRoot: string, project: { name: string; root: string }): Promise<ImageCandidate[]> {
  const option = image?.trim() || undefined;
  const parsed = option ? parseReference(option) : undefined;
  const fromOption: ImageCandidate[] = option ? [{ reference: option, source: 'image option', mayBeMissing: false }] : [];
  if (parsed && (parsed.kind !== 'registry' || parsed.digest)) return fromOption;

  const candidates: ImageCandidate[] = [];
  const container = await readNxContainerOutput(workspaceRoot, project.name);
  // The option names the repository when given; else the first name the build tagged.
  const repository = parsed?.kind === 'registry' ? repositoryName(parsed) : container?.imageNames[0] && repositoryName(parseRegistryReference(container.imageNames[0]));
  if (container && !repository) {
    throw new ShipshapeError('input', `nx-container recorded the digest ${container.digest} but no image name to find it under`, {
      where: workspaceRelative(workspaceRoot, container.location),
      hint: 'set the target\'s "image" option to the image\'s repository (REGISTRY/REPO), or give the build target "tags" or "metadata.images"',
    });
  }
  if (container && repository) {
    const source = `nx-container (${workspaceRelative(workspaceRoot, container.location)})`;
    candidates.push({ reference: `${repository}@${container.digest}`, source, mayBeMissing: true });
  }
  const docker = await readNxDockerOutput(workspaceRoot, project.root);
  if (docker) candidates.push({ reference: docker.reference, source: `@nx/docker (${workspaceRelative(workspaceRoot, docker.location)})`, mayBeMissing: true });
  return [...candidates, ...fromOption];
}

export interface FoundImage {
  candidate: ImageCandidate;
  description: ImageDescription;
  /** The pinned reference to record: registry as resolved; layouts and archives workspace-relative. */
  pinned: string;
}

/** Resolves the first candidate that exists; `open` turns a parsed reference into a store. */
export async function resolveFirst(
  candidates: readonly ImageCandidate[],
  workspaceRoot: string,
  open: (reference: ImageReference) => OpenedImage,
  logger: Logger,
): Promise<FoundImage> {
  if (candidates.length === 0) {
    throw new ShipshapeError('usage', 'no image to resolve: no `image` option and no build output (nx-container digest, @nx/docker version file)', {
      hint: 'set the target\'s "image" option (REGISTRY/REPO[:TAG], oci:DIR[:TAG] or docker-archive:FILE), or make it depend on the build target that pushes the image',
    });
  }
  for (const [index, candidate] of candidates.entries()) {
    const reference = parseReference(candidate.reference);
    try {
      const description = await describeImage(open(referenceInWorkspace(reference, workspaceRoot)));
      return { candidate, description, pinned: pinnedReference(reference, description, workspaceRoot) };
    } catch (error) {
      if (!candidate.mayBeMissing || !isNotFound(error) || index === candidates.length - 1) throw error;
      logger.warn(`${candidate.reference} from ${candidate.source} is not in the registry (a build that was not pushed?); trying ${candidates[index + 1].source}`);
    }
  }
  throw new Error('unreachable: the last candidate either resolves or throws');
}

function pinnedReference(reference: ImageReference, description: ImageDescription, workspaceRoot: string): string {
  switch (reference.kind) {
    case 'registry':
      return description.reference;
    case 'oci':
      return formatReference(pinDigest({ ...reference, dir: workspaceRelative(workspaceRoot, reference.dir) }, description.digest));
    case 'docker-archive':
      return formatReference({ ...reference, file: workspaceRelative(workspaceRoot, reference.file) });
  }
}
