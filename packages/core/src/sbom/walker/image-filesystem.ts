/**
 * The image's final filesystem, as far as catalogers need it: layer results stacked bottom to top with
 * the OCI image-spec rules a runtime applies — `.wh.<name>` deletes a lower path and its subtree,
 * `.wh..wh..opq` hides everything a lower layer put below that directory, a later layer's entry
 * replaces the same path (a non-directory also replaces the lower subtree, a directory replaces a
 * lower non-directory). Only the files catalogers wanted and the symlinks are kept; a lookup follows
 * symlinks inside the image with a hop limit, so a loop ends in a skip, never a hang.
 */
import { ShipshapeError } from '../../errors';
import type { CollectedFile, CollectedFiles } from '../types';
import type { LayerFileRecord, LayerResult } from './layer-result';
import { formatBytes } from './limits';
import { ancestorsOf, isBelow } from './paths';

/** Linux's MAXSYMLINKS: as many links as the kernel follows in one lookup. */
export const MAX_SYMLINK_HOPS = 40;

interface FileNode {
  kind: 'file';
  record: LayerFileRecord;
  layerDigest: string;
}

interface SymlinkNode {
  kind: 'symlink';
  target: string;
  layerDigest: string;
}

type Node = FileNode | SymlinkNode;

export type Resolution = { path: string } | { loop: true };

export class ImageFilesystem {
  private readonly nodes = new Map<string, Node>();
  /** Surviving files by cataloger name, in path order: built on the first `all()` after a change. */
  private byCataloger: Map<string, FileNode[]> | undefined;
  private readonly layerWarnings: string[] = [];
  private readonly lookupWarnings = new Set<string>();
  private collected = 0;

  constructor(private readonly maxCollectedBytes = Number.POSITIVE_INFINITY) {}

  /** Stacks the next layer (bottom to top) on what is there. */
  apply(layer: LayerResult, label = layer.digest): void {
    const nonDirectories = new Set(layer.nonDirectories);
    const directories = new Set(layer.directories);
    const whiteouts = new Set(layer.whiteouts);
    const opaque = new Set(layer.opaqueDirs);
    for (const [path, node] of this.nodes) {
      if (hidden(path, { nonDirectories, directories, whiteouts, opaque })) this.remove(path, node);
    }
    for (const link of layer.symlinks) this.put(link.path, { kind: 'symlink', target: link.target, layerDigest: layer.digest });
    for (const record of layer.files) this.put(record.path, { kind: 'file', record, layerDigest: layer.digest });
    for (const warning of layer.warnings) this.layerWarnings.push(`${label}: ${warning}`);
    if (this.collected > this.maxCollectedBytes) {
      throw new ShipshapeError('input', `the image holds more than ${formatBytes(this.maxCollectedBytes)} of files for catalogers`, {
        where: label,
        hint: 'if the image is genuine, raise the collected-bytes limit',
      });
    }
  }

  /**
   * Follows symlinks (absolute targets from the image root, relative ones from the link's directory,
   * `..` never above the root) to the path a lookup of `path` ends at.
   */
  resolve(path: string): Resolution {
    const pending = path.split('/').reverse();
    const resolved: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.pop()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        resolved.pop();
        continue;
      }
      resolved.push(part);
      const node = this.nodes.get(`/${resolved.join('/')}`);
      if (node?.kind !== 'symlink') continue;
      if (++hops > MAX_SYMLINK_HOPS) return { loop: true };
      resolved.pop();
      if (node.target.startsWith('/')) resolved.length = 0;
      const targetParts = node.target.split('/');
      for (let i = targetParts.length - 1; i >= 0; i--) pending.push(targetParts[i]);
    }
    return { path: `/${resolved.join('/')}` };
  }

  /** What one cataloger sees: the surviving files it wanted. */
  filesFor(catalogerName: string): CollectedFiles {
    return {
      get: (path) => {
        const resolution = this.resolve(path);
        if ('loop' in resolution) {
          this.lookupWarnings.add(`${path}: more than ${MAX_SYMLINK_HOPS} symbolic links (a loop?); skipped`);
          return undefined;
        }
        const node = this.nodes.get(resolution.path);
        return node?.kind === 'file' ? view(node, catalogerName) : undefined;
      },
      all: () => (this.filesByCataloger().get(catalogerName) ?? []).map((node) => view(node, catalogerName)!),
    };
  }

  /** One pass over the files, one sort: each cataloger's `all()` is then a lookup, not a scan of every file. */
  private filesByCataloger(): Map<string, FileNode[]> {
    if (this.byCataloger) return this.byCataloger;
    const files: FileNode[] = [];
    for (const node of this.nodes.values()) if (node.kind === 'file') files.push(node);
    files.sort((a, b) => (a.record.path < b.record.path ? -1 : a.record.path > b.record.path ? 1 : 0));
    const byCataloger = new Map<string, FileNode[]>();
    for (const node of files) {
      for (const name in node.record.contents) {
        let list = byCataloger.get(name);
        if (!list) byCataloger.set(name, (list = []));
        list.push(node);
      }
    }
    this.byCataloger = byCataloger;
    return byCataloger;
  }

  /** Bounded skips from the layers and from lookups (symlink loops), in order. */
  warnings(): string[] {
    return [...this.layerWarnings, ...this.lookupWarnings];
  }

  /** Every surviving symlink, for diagnostics and tests. */
  symlinks(): { path: string; target: string; layerDigest: string }[] {
    return [...this.nodes].filter((e): e is [string, SymlinkNode] => e[1].kind === 'symlink').map(([path, n]) => ({ path, target: n.target, layerDigest: n.layerDigest }));
  }

  private put(path: string, node: Node): void {
    this.byCataloger = undefined;
    const existing = this.nodes.get(path);
    if (existing) this.remove(path, existing);
    this.nodes.set(path, node);
    if (node.kind === 'file') this.collected += sizeOf(node.record);
  }

  private remove(path: string, node: Node): void {
    this.byCataloger = undefined;
    this.nodes.delete(path);
    if (node.kind === 'file') this.collected -= sizeOf(node.record);
  }
}

interface LayerPaths {
  nonDirectories: Set<string>;
  directories: Set<string>;
  whiteouts: Set<string>;
  opaque: Set<string>;
}

/** Whether the layer above hides a lower file or symlink at `path`. */
function hidden(path: string, layer: LayerPaths): boolean {
  // A directory now stands where the lower non-directory was.
  if (layer.directories.has(path)) return true;
  if (layer.nonDirectories.has(path) || layer.whiteouts.has(path)) return true;
  for (const dir of ancestorsOf(path)) {
    if (layer.nonDirectories.has(dir) || layer.whiteouts.has(dir)) return true;
    if (layer.opaque.has(dir) && isBelow(path, dir)) return true;
  }
  return false;
}

function view(node: FileNode, catalogerName: string): CollectedFile | undefined {
  const { record } = node;
  const content = record.contents[catalogerName];
  if (!content) return undefined;
  return { path: record.path, layerDigest: node.layerDigest, size: record.size, mode: record.mode, content };
}

/** Bytes held for a file; views of one buffer (readers with different limits) count once. */
function sizeOf(record: LayerFileRecord): number {
  const largest = new Map<string, number>();
  const memory = new Map<ArrayBufferLike, number>();
  let size = 0;
  for (const buffer of Object.values(record.contents)) {
    if (!memory.has(buffer.buffer)) memory.set(buffer.buffer, memory.size);
    const key = `${memory.get(buffer.buffer)}:${buffer.byteOffset}`;
    const before = largest.get(key) ?? 0;
    if (buffer.length > before) {
      size += buffer.length - before;
      largest.set(key, buffer.length);
    }
  }
  return size;
}
