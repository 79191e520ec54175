/**
 * The two small files that make a directory an OCI image layout: `oci-layout` (the layout version)
 * and `index.json` (the entry points: tagged images and indexes). index.json is rewritten under an
 * exclusive lock and replaced atomically, so concurrent writers in several processes never lose an
 * update and readers never see a partial file.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ShipshapeError } from '../../errors';
import { imageIndexSchema, type Descriptor, type ImageIndex } from '../manifest';
import { OCI_INDEX } from '../media-types';
import { writeFileAtomic } from './atomic-write';
import { withFileLock } from './lock';

/** The annotation that carries a tag in index.json (as skopeo, umoci, oras and buildkit write it). */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
export const LAYOUT_VERSION = '1.0.0';

/** index.json lists every tag and referrers index; generous, but bounded (it is read whole). */
const MAX_INDEX_BYTES = 64 * 1024 * 1024;
const MAX_OCI_LAYOUT_BYTES = 64 * 1024;

export function indexFilePath(dir: string): string {
  return path.join(dir, 'index.json');
}

export function tagOf(descriptor: Descriptor): string | undefined {
  return descriptor.annotations?.[REF_NAME_ANNOTATION];
}

/** index.json parsed and validated; `undefined` when the layout (or its index.json) does not exist. */
export async function readIndexFile(dir: string): Promise<ImageIndex | undefined> {
  const file = indexFilePath(dir);
  const bytes = await readBoundedFile(file, MAX_INDEX_BYTES);
  if (bytes === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ShipshapeError('input', 'index.json is not valid JSON', { where: file, hint: 'the OCI layout is damaged; recreate it' });
  }
  const parsed = imageIndexSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ShipshapeError('input', `index.json is not a valid OCI image index: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`, {
      where: file,
      hint: 'the OCI layout is damaged; recreate it',
    });
  }
  return parsed.data;
}

/** Makes `dir` an OCI image layout if it is not one yet (mkdir -p, oci-layout, an empty index.json). */
export async function ensureLayout(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const marker = path.join(dir, 'oci-layout');
  const existing = await readBoundedFile(marker, MAX_OCI_LAYOUT_BYTES);
  if (existing === undefined) {
    await writeFileAtomic(marker, JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION }));
  } else {
    checkLayoutVersion(existing, marker);
  }
  const empty: ImageIndex = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
  // `wx`: never clobber an index.json another writer created a moment ago.
  await fs.writeFile(indexFilePath(dir), JSON.stringify(empty), { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
}

/** Read-modify-write of index.json under the layout's lock. */
export async function updateIndexFile(dir: string, change: (index: ImageIndex) => ImageIndex): Promise<void> {
  await withFileLock(path.join(dir, 'index.json.lock'), async () => {
    const current = (await readIndexFile(dir)) ?? { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
    await writeFileAtomic(indexFilePath(dir), JSON.stringify(change(current)));
  });
}

function checkLayoutVersion(bytes: Buffer, file: string): void {
  let version: unknown;
  try {
    version = (JSON.parse(bytes.toString('utf8')) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
  } catch {
    version = undefined;
  }
  if (typeof version !== 'string' || !/^1\.\d+\.\d+$/.test(version)) {
    throw new ShipshapeError('input', `unsupported OCI image layout (imageLayoutVersion ${JSON.stringify(version ?? null)})`, {
      where: file,
      hint: `expected {"imageLayoutVersion":"${LAYOUT_VERSION}"}; is this directory an OCI image layout?`,
    });
  }
}

async function readBoundedFile(file: string, maxBytes: number): Promise<Buffer | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) {
      throw new ShipshapeError('input', `the file is ${size} bytes, over the ${maxBytes}-byte limit`, { where: file });
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
