/**
 * The images in a `docker save` archive, read from its table of contents: `manifest.json`
 * (`[{Config, RepoTags, Layers}]`) names each image's config and layer members — `<id>/layer.tar` or
 * `<hex>.tar` in the legacy format, `blobs/sha256/<hex>` in Docker 25+'s OCI-layout-in-a-tar.
 * The archive holds no registry manifest, so a Docker schema-2 manifest is synthesized over them.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { z } from 'zod';
import { ShipshapeError } from '../../errors';
import { sha256Digest } from '../digest';
import type { Descriptor, ImageManifest } from '../manifest';
import { DOCKER_CONFIG, DOCKER_LAYER_GZIP, DOCKER_MANIFEST, OCI_LAYER_ZSTD } from '../media-types';
import { normalizeMemberName, resolveLinkTarget, type TarMember } from './tar-index';

/** An uncompressed layer tar in Docker's schema 2 (the media type docker save's layers have). */
export const DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';

const MAX_MANIFEST_JSON_BYTES = 4 * 1024 * 1024;
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
const MAX_LINK_HOPS = 8;

export interface ArchiveBlob {
  descriptor: Descriptor;
  member: TarMember;
}

export interface ArchiveImage {
  /** `RepoTags` as written in manifest.json (e.g. `docker.io/team/app:1`). */
  repoTags: string[];
  /** The config's digest: the image ID `docker images` shows. */
  configDigest: string;
  config: Buffer;
  /** The synthesized Docker schema-2 manifest, its bytes and digest. */
  manifest: ImageManifest;
  manifestBytes: Buffer;
  manifestDigest: string;
  blobs: ArchiveBlob[];
}

const digestString = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'not a sha256 digest');
const manifestJsonSchema = z
  .array(
    z
      .object({
        Config: z.string().min(1),
        RepoTags: z.array(z.string()).nullish(),
        Layers: z.array(z.string().min(1)),
      })
      .loose(),
  )
  .min(1, 'it lists no image');
const configSchema = z.object({ rootfs: z.object({ diff_ids: z.array(digestString) }).loose() }).loose();

export async function readArchiveImages(file: string, members: Map<string, TarMember>): Promise<ArchiveImage[]> {
  const manifestMember = members.get('manifest.json');
  if (!manifestMember || manifestMember.type !== 'file') {
    throw new ShipshapeError('input', 'the archive has no manifest.json, so it is not a `docker save` archive', {
      where: file,
      hint: 'create it with `docker save IMAGE -o FILE` or `skopeo copy SRC docker-archive:FILE`',
    });
  }
  const entries = parseJson(await readMember(file, manifestMember, MAX_MANIFEST_JSON_BYTES), manifestJsonSchema, `${file}:manifest.json`);
  const images: ArchiveImage[] = [];
  for (const [i, entry] of entries.entries()) {
    const where = `${file}:manifest.json[${i}]`;
    const configMember = findFile(members, entry.Config, file, where);
    const config = await readMember(file, configMember, MAX_CONFIG_BYTES);
    const diffIds = parseJson(config, configSchema, `${file}:${configMember.name}`).rootfs.diff_ids;
    if (diffIds.length !== entry.Layers.length) {
      throw new ShipshapeError('input', `the image lists ${entry.Layers.length} layers but its config has ${diffIds.length} diff_ids`, { where });
    }
    const configDescriptor: Descriptor = { mediaType: DOCKER_CONFIG, digest: sha256Digest(config), size: config.length };
    const layers: ArchiveBlob[] = [];
    for (const [n, layerName] of entry.Layers.entries()) {
      const member = findFile(members, layerName, file, where);
      layers.push({ descriptor: await layerDescriptor(file, member, diffIds[n]), member });
    }
    const manifest: ImageManifest = { schemaVersion: 2, mediaType: DOCKER_MANIFEST, config: configDescriptor, layers: layers.map((l) => l.descriptor) };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    images.push({
      repoTags: entry.RepoTags ?? [],
      configDigest: configDescriptor.digest,
      config,
      manifest,
      manifestBytes,
      manifestDigest: sha256Digest(manifestBytes),
      blobs: [{ descriptor: configDescriptor, member: configMember }, ...layers],
    });
  }
  return images;
}

/**
 * An uncompressed layer's digest is its diff_id (checked when the layer is read, so opening the
 * archive costs no hashing pass). A compressed layer's digest is named by its `blobs/sha256/<hex>`
 * path (also checked when read), or else computed here.
 */
async function layerDescriptor(file: string, member: TarMember, diffId: string): Promise<Descriptor> {
  const head = await readMember(file, { ...member, size: Math.min(4, member.size) }, 4);
  const magic = Buffer.concat([head, Buffer.alloc(4)]);
  const gzip = magic[0] === 0x1f && magic[1] === 0x8b;
  const zstd = magic.readUInt32BE(0) === 0x28b52ffd;
  if (!gzip && !zstd) return { mediaType: DOCKER_LAYER_TAR, digest: diffId, size: member.size };
  const named = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(member.name);
  const digest = named ? `sha256:${named[1]}` : await hashMember(file, member);
  return { mediaType: gzip ? DOCKER_LAYER_GZIP : OCI_LAYER_ZSTD, digest, size: member.size };
}

/** A regular-file member by the name manifest.json uses, following symlinks and hardlinks inside the archive. */
function findFile(members: Map<string, TarMember>, rawName: string, file: string, where: string): TarMember {
  let name = normalizeMemberName(rawName, where);
  for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
    const member = members.get(name);
    if (!member) {
      throw new ShipshapeError('input', `manifest.json names "${rawName}", which is not in the archive`, { where, hint: 'the archive is incomplete or damaged; create it again' });
    }
    if (member.type === 'file') return member;
    if (member.type !== 'symlink' && member.type !== 'hardlink') {
      throw new ShipshapeError('input', `"${rawName}" in the archive is not a regular file`, { where });
    }
    name = resolveLinkTarget(member, file);
  }
  throw new ShipshapeError('input', `"${rawName}" in the archive is a chain of more than ${MAX_LINK_HOPS} links`, { where });
}

/** One member's bytes, read from its offset (bounded: only small JSON and magic numbers are read whole). */
export async function readMember(file: string, member: TarMember, maxBytes: number): Promise<Buffer> {
  if (member.size > maxBytes) {
    throw new ShipshapeError('input', `"${member.name}" in the archive is ${member.size} bytes, over the ${maxBytes}-byte limit`, { where: file });
  }
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(member.size);
    let filled = 0;
    while (filled < member.size) {
      const { bytesRead } = await handle.read(buffer, filled, member.size - filled, member.offset + filled);
      if (bytesRead === 0) throw new ShipshapeError('input', `the archive is truncated inside "${member.name}"`, { where: file });
      filled += bytesRead;
    }
    return buffer;
  } finally {
    await handle.close();
  }
}

async function hashMember(file: string, member: TarMember): Promise<string> {
  const hash = createHash('sha256');
  if (member.size > 0) {
    for await (const chunk of createReadStream(file, { start: member.offset, end: member.offset + member.size - 1 })) hash.update(chunk as Buffer);
  }
  return `sha256:${hash.digest('hex')}`;
}

function parseJson<T>(bytes: Buffer, schema: z.ZodType<T>, where: string): T {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ShipshapeError('input', 'not valid JSON', { where });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ShipshapeError('input', `unexpected content: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`, { where });
  }
  return parsed.data;
}
