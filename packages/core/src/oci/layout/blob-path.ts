/**
 * Where a blob lives in an OCI image layout: `blobs/<algorithm>/<encoded>`. The digest comes from
 * callers and from files we do not control, so it is validated strictly before it becomes a path:
 * a crafted "digest" such as `sha256:../../etc/passwd` never reaches the filesystem.
 */
import * as path from 'node:path';
import { ShipshapeError } from '../../errors';

const ENCODED_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** `sha256:<64 lowercase hex>` (or sha384/sha512 with their lengths); nothing else is a blob name. */
export function isLayoutDigest(digest: string): boolean {
  const match = /^(sha256|sha384|sha512):([a-f0-9]+)$/.exec(digest);
  return match !== null && match[2].length === ENCODED_LENGTH[match[1]];
}

export function blobPath(layoutDir: string, digest: string, where: string): string {
  if (!isLayoutDigest(digest)) {
    throw new ShipshapeError('input', `"${digest}" is not a valid digest`, {
      where,
      hint: 'a digest is sha256: followed by 64 lowercase hex characters (or sha384/sha512)',
    });
  }
  const [algorithm, encoded] = digest.split(':');
  return path.join(layoutDir, 'blobs', algorithm, encoded);
}
