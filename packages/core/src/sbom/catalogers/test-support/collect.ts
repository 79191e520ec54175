/**
 * Test-only: feeds real files to a cataloger the way the layer walker does (every regular file's path
 * through `wants`, the wanted ones' streams through `extract` or read up to the limit), from a host
 * directory, single host files, or the layers of an OCI image layout (gzip tar, read with tar-stream,
 * later layers overriding earlier ones; these fixtures have no whiteouts). The walker itself is tested
 * in its own module; this lets each cataloger be tested on real data on its own.
 */
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import type { CatalogContext, Cataloger, CollectedFile, CollectedFiles, Package } from '../../types';
import { readBounded } from '../stream';

/** The layer digest recorded for files read from this machine rather than from an image layer. */
export const HOST_LAYER = `sha256:${'0'.repeat(64)}`;

/** Collected files plus the symlinks of the filesystem they came from, resolved by `get` like a kernel would. */
export class MemoryCollectedFiles implements CollectedFiles {
  private readonly byPath = new Map<string, CollectedFile>();

  constructor(
    files: Iterable<CollectedFile>,
    private readonly symlinks: Map<string, string> = new Map(),
  ) {
    for (const file of files) this.byPath.set(file.path, file);
  }

  get(p: string): CollectedFile | undefined {
    const resolved = this.resolve(p);
    return resolved === undefined ? undefined : this.byPath.get(resolved);
  }

  all(): CollectedFile[] {
    return [...this.byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  private resolve(p: string): string | undefined {
    let parts = p.split('/').filter((s) => s !== '');
    for (let hops = 0; hops < 40; hops++) {
      let changed = false;
      for (let i = 1; i <= parts.length; i++) {
        const prefix = `/${parts.slice(0, i).join('/')}`;
        const target = this.symlinks.get(prefix);
        if (target === undefined) continue;
        const base = target.startsWith('/') ? target : path.posix.join(path.posix.dirname(prefix), target);
        parts = path.posix.normalize(`${base}/${parts.slice(i).join('/')}`).split('/').filter((s) => s !== '');
        changed = true;
        break;
      }
      if (!changed) return `/${parts.join('/')}`;
    }
    return undefined;
  }
}

/** What the walker does for one regular file: ask `wants`, then extract or read (bounded). */
export async function collectStream(
  cataloger: Cataloger,
  imagePath: string,
  stream: Readable,
  file: { size: number; mode: number; layerDigest: string },
): Promise<CollectedFile | undefined> {
  const limit = cataloger.wants(imagePath, { size: file.size, mode: file.mode });
  if (limit === false) {
    stream.resume();
    await new Promise((resolve) => stream.on('end', resolve).on('close', resolve));
    return undefined;
  }
  const content = cataloger.extract
    ? await cataloger.extract(stream, { path: imagePath, size: file.size, mode: file.mode })
    : (await readBounded(stream, limit)).content;
  if (content === undefined) return undefined;
  return { path: imagePath, layerDigest: file.layerDigest, size: file.size, mode: file.mode, content };
}

/** Real host files, each given the image path it should have. */
export async function collectHostFiles(cataloger: Cataloger, files: { host: string; image: string }[]): Promise<MemoryCollectedFiles> {
  const collected: CollectedFile[] = [];
  for (const { host, image } of files) {
    const stat = await fs.stat(host);
    const file = await collectStream(cataloger, image, createReadStream(host), { size: stat.size, mode: stat.mode & 0o7777, layerDigest: HOST_LAYER });
    if (file) collected.push(file);
  }
  return new MemoryCollectedFiles(collected);
}

/** Every regular file under a host directory, mapped under `imageRoot`; symlinks are kept as symlinks. */
export async function collectHostTree(cataloger: Cataloger, hostDir: string, imageRoot: string): Promise<MemoryCollectedFiles> {
  const collected: CollectedFile[] = [];
  const symlinks = new Map<string, string>();
  const walk = async (dir: string, imageDir: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const host = path.join(dir, entry.name);
      const image = path.posix.join(imageDir, entry.name);
      if (entry.isSymbolicLink()) {
        symlinks.set(image, await fs.readlink(host));
      } else if (entry.isDirectory()) {
        await walk(host, image);
      } else if (entry.isFile()) {
        const stat = await fs.stat(host);
        if (cataloger.wants(image, { size: stat.size, mode: stat.mode & 0o7777 }) === false) continue;
        const file = await collectStream(cataloger, image, createReadStream(host), { size: stat.size, mode: stat.mode & 0o7777, layerDigest: HOST_LAYER });
        if (file) collected.push(file);
      }
    }
  };
  await walk(hostDir, imageRoot);
  return new MemoryCollectedFiles(collected, symlinks);
}

/** The final filesystem of the first image in an OCI layout, as far as the cataloger wants it. */
export async function collectOciLayout(cataloger: Cataloger, layoutDir: string): Promise<MemoryCollectedFiles> {
  const blob = (digest: string): string => path.join(layoutDir, 'blobs', ...digest.split(':'));
  const index = JSON.parse(await fs.readFile(path.join(layoutDir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const manifestDigest = index.manifests[0]?.digest;
  if (!manifestDigest) throw new Error(`${layoutDir} has no manifest`);
  const manifest = JSON.parse(await fs.readFile(blob(manifestDigest), 'utf8')) as { layers: { digest: string; mediaType: string }[] };
  const files = new Map<string, CollectedFile>();
  const symlinks = new Map<string, string>();
  for (const layer of manifest.layers) {
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      const image = path.posix.normalize(`/${header.name}`).replace(/\/$/, '');
      const done = (error?: unknown): void => (error ? extract.destroy(error as Error) : next());
      if (header.type === 'symlink' && header.linkname) {
        symlinks.set(image, header.linkname);
        files.delete(image);
      } else if (header.type === 'file') {
        symlinks.delete(image);
        // tar-stream's entries are streamx streams: async-iterable like node's, which is all extract uses.
        collectStream(cataloger, image, stream as unknown as Readable, { size: header.size ?? 0, mode: header.mode ?? 0, layerDigest: layer.digest })
          .then((file) => {
            if (file) files.set(image, file);
            else files.delete(image);
            done();
          })
          .catch(done);
        return;
      }
      stream.on('end', () => done());
      stream.resume();
    });
    const source = createReadStream(blob(layer.digest));
    if (layer.mediaType.endsWith('+gzip') || layer.mediaType.endsWith('.gzip')) await pipeline(source, createGunzip(), extract);
    else await pipeline(source, extract);
  }
  return new MemoryCollectedFiles(files.values(), symlinks);
}

/** Runs a cataloger's catalog step, collecting its warnings. */
export async function runCatalog(
  cataloger: Cataloger,
  files: CollectedFiles,
  context: Omit<CatalogContext, 'warn'> = {},
): Promise<{ packages: Package[]; warnings: string[] }> {
  const warnings: string[] = [];
  const packages = await cataloger.catalog(files, { ...context, warn: (message) => warnings.push(message) });
  return { packages, warnings };
}

/** A real file's bytes, as a stream of chunks of the given size (to exercise chunk boundaries). */
export function chunkedStream(content: Buffer, chunkSize: number): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < content.length; at += chunkSize) chunks.push(content.subarray(at, at + chunkSize));
  return Readable.from(chunks);
}
