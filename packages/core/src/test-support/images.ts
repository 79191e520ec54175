/**
 * Small, real images made in memory for registry and layout tests: a gzip'd tar layer with unique
 * content, an OCI config, and the manifest over them. Test-only (excluded from the build).
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { sha256Digest } from '../oci/digest';
import { OCI_CONFIG, OCI_EMPTY, OCI_LAYER_GZIP, OCI_MANIFEST } from '../oci/media-types';
import type { Descriptor } from '../oci/manifest';
import type { ImageStore } from '../oci/store';

export interface TestImage {
  config: Buffer;
  layers: Buffer[];
  manifest: Buffer;
  digest: string;
}

/** A one-file ustar archive (enough for a layer that tools accept). */
/** A ustar header for one regular file of `size` bytes (fixed mode, owner and time, so images are reproducible). */
export function ustarFileHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  header.write(`${(1700000000).toString(8).padStart(11, '0')}\0`, 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return header;
}

export function tarWithFile(name: string, content: Buffer): Buffer {
  const header = ustarFileHeader(name, content.length);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

export function makeTestImage(options: { layerSizes?: number[]; architecture?: string } = {}): TestImage {
  const layers = (options.layerSizes ?? [1024]).map((size, i) => gzipSync(tarWithFile(`file-${i}`, randomBytes(size))));
  const config = Buffer.from(
    JSON.stringify({
      architecture: options.architecture ?? 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map(() => sha256Digest(randomBytes(8))) },
      config: {},
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: sha256Digest(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: OCI_LAYER_GZIP, digest: sha256Digest(l), size: l.length })),
    }),
  );
  return { config, layers, manifest, digest: sha256Digest(manifest) };
}

export async function pushTestImage(store: ImageStore, image: TestImage, tag?: string): Promise<Descriptor> {
  await store.putBlob(image.config, OCI_CONFIG);
  for (const layer of image.layers) await store.putBlob(layer, OCI_LAYER_GZIP);
  return store.putManifest(image.manifest, OCI_MANIFEST, tag);
}

/** An artifact manifest (empty config) that refers to `subject`: what signatures and attestations look like. */
export async function pushReferrer(store: ImageStore, subject: Descriptor, artifactType: string, payload: Buffer = randomBytes(64)): Promise<Descriptor> {
  const empty = Buffer.from('{}');
  await store.putBlob(empty, OCI_EMPTY);
  const layer = await store.putBlob(payload, 'application/octet-stream');
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: { mediaType: OCI_EMPTY, digest: sha256Digest(empty), size: 2 },
      layers: [layer],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    }),
  );
  return store.putManifest(manifest, OCI_MANIFEST);
}
