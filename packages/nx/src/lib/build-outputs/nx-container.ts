/**
 * What `@nx-tools/nx-container:build` leaves behind: after each build it writes the image ID, the
 * digest and buildx's metadata (`--metadata-file`) to `node_modules/.cache/nx-container/<project>/`
 * (`imageid`, `digest`, `metadata`) — see its executor's `setOutput`. The digest is buildx's
 * `containerimage.digest`; the metadata's `image.name` lists the tags it was built (and pushed) as.
 */
import * as path from 'node:path';
import { isDigest, ShipshapeError } from '@shipshape/core/base';
import { z } from 'zod';
import { readSmallFile } from './read-small-file';

export const NX_CONTAINER_BUILD_EXECUTOR = '@nx-tools/nx-container:build';
export const NX_CONTAINER_PLUGIN = '@nx-tools/nx-container';

/** The directory, as an Nx `outputs` entry: a cache hit of the build then restores the digest too. */
export const NX_CONTAINER_OUTPUT = '{workspaceRoot}/node_modules/.cache/nx-container/{projectName}';

export function nxContainerOutputDir(workspaceRoot: string, projectName: string): string {
  return path.join(workspaceRoot, 'node_modules', '.cache', 'nx-container', projectName);
}

const metadataSchema = z.looseObject({
  'containerimage.digest': z.string().optional(),
  /** Comma-separated full names: `registry/repo:tag,registry/repo:other`. */
  'image.name': z.string().optional(),
});

export interface NxContainerOutput {
  digest: string;
  /** The names the image was tagged with, e.g. `127.0.0.1:5000/team/api:sha-1a2b3c`; may be empty. */
  imageNames: string[];
  /** Where this came from, for messages. */
  location: string;
}

export async function readNxContainerOutput(workspaceRoot: string, projectName: string): Promise<NxContainerOutput | undefined> {
  const dir = nxContainerOutputDir(workspaceRoot, projectName);
  const digestFile = path.join(dir, 'digest');
  const digestText = await readSmallFile(digestFile);
  if (digestText === undefined) return undefined;
  const digest = digestText.trim();
  if (!isDigest(digest)) {
    throw new ShipshapeError('input', `the nx-container digest file holds "${digest.slice(0, 80)}", not a digest`, {
      where: digestFile,
      hint: 'rebuild the image (the container build target) to rewrite it',
    });
  }
  const metadataText = await readSmallFile(path.join(dir, 'metadata'));
  return { digest, imageNames: metadataText === undefined ? [] : imageNames(metadataText), location: digestFile };
}

function imageNames(metadataText: string): string[] {
  let data: unknown;
  try {
    data = JSON.parse(metadataText);
  } catch {
    return [];
  }
  const parsed = metadataSchema.safeParse(data);
  const names = parsed.success ? parsed.data['image.name'] : undefined;
  return (names ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n.length > 0);
}
