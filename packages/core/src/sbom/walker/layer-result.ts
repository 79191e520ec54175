/**
 * What one layer contributes to the image, independent of the layers around it — so it can be cached
 * by layer digest and merged with any stack of lower layers (image-filesystem.ts does the merge).
 */

export interface LayerFileRecord {
  path: string;
  size: number;
  mode: number;
  /**
   * What each cataloger that wanted the file gets, by cataloger name: the file's first bytes up to that
   * cataloger's limit (shorter than `size` when the file is larger), or what its `extract` kept.
   * Catalogers reading the same file share one buffer.
   */
  contents: Record<string, Buffer>;
}

export interface LayerSymlink {
  path: string;
  /** The link target exactly as stored (relative or absolute); resolved inside the image, never on the host. */
  target: string;
}

export interface LayerResult {
  /** The layer blob's digest (as the manifest lists it). */
  digest: string;
  /** Regular files some cataloger wanted, in their final state within this layer, path order. */
  files: LayerFileRecord[];
  symlinks: LayerSymlink[];
  /** `.wh.<name>`: these paths (and everything below them) are deleted from the layers below. */
  whiteouts: string[];
  /** `.wh..wh..opq`: everything below these directories in the layers below is hidden. */
  opaqueDirs: string[];
  /** Every path this layer makes something other than a directory: hides that path and all below it in lower layers. */
  nonDirectories: string[];
  /** Every directory this layer holds, listed or implied by a member inside it: hides a lower non-directory there. */
  directories: string[];
  /** Bounded skips inside this layer (a file over a limit, a clamped `..` name), without the layer prefix. */
  warnings: string[];
  /** Tar members read. */
  entries: number;
  /** Decompressed bytes read. */
  bytes: number;
}
