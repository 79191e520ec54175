/**
 * Test-only: real image layers made in memory — tar archives written with tar-stream, compressed with
 * zlib's gzip or the zstd command — and images over them stored in an OCI layout on disk, plus a store
 * that counts the blobs it opens (to prove what the layer cache saves).
 */
import { execFileSync } from 'node:child_process';
import type { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { sha256Digest } from '../../../oci/digest';
import { OciLayoutStore } from '../../../oci/layout/store';
import type { Descriptor } from '../../../oci/manifest';
import { OCI_CONFIG, OCI_INDEX, OCI_LAYER_GZIP, OCI_LAYER_TAR, OCI_LAYER_ZSTD, OCI_MANIFEST } from '../../../oci/media-types';
import type { OpenedImage } from '../../../oci/open';
import { parseReference } from '../../../oci/reference';
import type { Cataloger, CollectedFile } from '../../types';

/** A ustar header for one regular file (hostile layers stream a bomb's content after it). */
export { ustarFileHeader } from '../../../test-support/images';

export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device';
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
}

/** A tar archive of exactly these members, in this order (names are written as given, hostile or not). */
export async function tarLayer(entries: TarEntry[]): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    archive.on('data', (chunk: unknown) => {
      chunks.push(chunk as Buffer);
    });
    archive.on('end', () => resolve());
    archive.on('error', reject);
  });
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const content = type === 'file' ? Buffer.from(entry.content ?? '') : undefined;
    const mode = entry.mode ?? (type === 'directory' ? 0o755 : 0o644);
    await new Promise<void>((resolve, reject) => {
      const header = { name: entry.name, type, mode, linkname: entry.linkname, mtime: new Date(1700000000000), size: content?.length ?? 0 };
      archive.entry(header, content ?? Buffer.alloc(0), (error) => (error ? reject(error) : resolve()));
    });
  }
  archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

export const gzipLayer = (tar: Buffer): Buffer => gzipSync(tar);

/** zstd via the real `zstd` command (Debian package zstd), as containerd and buildkit write zstd layers. */
export function zstdLayer(tar: Buffer, extraArgs: string[] = []): Buffer {
  return execFileSync('zstd', ['-q', '-c', ...extraArgs], { input: tar, maxBuffer: 256 * 1024 * 1024 });
}

export interface LayerBlob {
  blob: Buffer;
  mediaType: string;
}

export const gz = async (entries: TarEntry[]): Promise<LayerBlob> => ({ blob: gzipLayer(await tarLayer(entries)), mediaType: OCI_LAYER_GZIP });
export const plain = async (entries: TarEntry[]): Promise<LayerBlob> => ({ blob: await tarLayer(entries), mediaType: OCI_LAYER_TAR });
export const zst = async (entries: TarEntry[]): Promise<LayerBlob> => ({ blob: zstdLayer(await tarLayer(entries)), mediaType: OCI_LAYER_ZSTD });

export interface PushedImage {
  manifest: Descriptor;
  layers: Descriptor[];
}

/** Stores the layers, a config naming the platform, and the manifest (tagged when `tag` is given). */
export async function pushImage(store: OciLayoutStore, layers: LayerBlob[], options: { architecture?: string; tag?: string } = {}): Promise<PushedImage> {
  const descriptors: Descriptor[] = [];
  for (const layer of layers) descriptors.push(await store.putBlob(layer.blob, layer.mediaType));
  const config = Buffer.from(
    JSON.stringify({ architecture: options.architecture ?? 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: descriptors.map((d) => d.digest) }, config: {} }),
  );
  const configDescriptor = await store.putBlob(config, OCI_CONFIG);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDescriptor, layers: descriptors }));
  return { manifest: await store.putManifest(manifest, OCI_MANIFEST, options.tag), layers: descriptors };
}

/** An index over images already in the store, tagged. */
export async function pushIndex(store: OciLayoutStore, images: { manifest: Descriptor; architecture: string }[], tag: string): Promise<Descriptor> {
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: images.map((i) => ({ ...i.manifest, platform: { os: 'linux', architecture: i.architecture } })),
    }),
  );
  return store.putManifest(index, OCI_INDEX, tag);
}

export function openLayout(store: OciLayoutStore, tag: string): OpenedImage {
  return { reference: parseReference(`oci:${store.dir}:${tag}`), store, tagOrDigest: tag };
}

/** A real layout store that records which blobs were streamed. */
export class CountingLayoutStore extends OciLayoutStore {
  readonly opened: string[] = [];
  override async openBlob(descriptor: Pick<Descriptor, 'digest' | 'size'>): Promise<Readable> {
    this.opened.push(descriptor.digest);
    return super.openBlob(descriptor);
  }
}

/** A cataloger that keeps every regular file under `prefix` (content up to `limit`), and lists them as packages. */
export function recordingCataloger(name: string, prefix = '/', limit = 1024 * 1024): Cataloger {
  return {
    name,
    wants: (path) => (path.startsWith(prefix) ? limit : false),
    catalog: () => [],
  };
}

/** path → [layer digest, content] of everything a cataloger sees: what the assertions compare. */
export function snapshot(files: CollectedFile[]): Record<string, [string, string]> {
  return Object.fromEntries(files.map((f) => [f.path, [f.layerDigest, f.content.toString('utf8')]]));
}

export function digestOf(blob: Buffer): string {
  return sha256Digest(blob);
}

