/**
 * A `docker save` tarball (`docker-archive:FILE`) as a read-only ImageStore. Nothing is extracted:
 * the tar's headers are scanned once and members are streamed from their offsets, verified.
 *
 * The archive holds no registry manifest, so a Docker schema-2 manifest is synthesized, and the
 * image's identity is its config digest (the image ID `docker images` shows): `resolve` returns a
 * descriptor whose `digest` is the config digest, annotated `dev.shipshape.digest-kind: config`.
 *
 * An archive may hold several images: `resolve('')` (plain `docker-archive:FILE`) means the first
 * one listed in manifest.json; a RepoTag (`team/app:1`, normalized like Docker) or a config or
 * manifest digest selects another.
 */
import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { ShipshapeError } from '../../errors';
import { readAllBounded, VerifyingStream } from '../digest';
import type { Descriptor } from '../manifest';
import { DOCKER_MANIFEST } from '../media-types';
import { parseRegistryReference } from '../reference';
import type { FetchedManifest, ImageStore } from '../store';
import { readArchiveImages, type ArchiveBlob, type ArchiveImage } from './archive-images';
import { scanTar } from './tar-index';

export const DIGEST_KIND_ANNOTATION = 'dev.shipshape.digest-kind';
const BLOB_READ_LIMIT = 64 * 1024 * 1024;

interface Archive {
  images: ArchiveImage[];
  blobs: Map<string, ArchiveBlob>;
}

export class DockerArchiveStore implements ImageStore {
  readonly writable = false;
  readonly location: string;
  private archive: Promise<Archive> | undefined;

  constructor(readonly file: string) {
    this.location = `docker-archive:${file}`;
  }

  /** The image's descriptor, with the config digest (image ID) as its digest. */
  async resolve(tagOrDigest: string): Promise<Descriptor> {
    const image = await this.select(tagOrDigest);
    return {
      mediaType: DOCKER_MANIFEST,
      digest: image.configDigest,
      size: image.manifestBytes.length,
      annotations: { [DIGEST_KIND_ANNOTATION]: 'config' },
    };
  }

  /** The synthesized manifest; its descriptor is the digest of exactly these bytes. */
  async getManifest(tagOrDigest: string): Promise<FetchedManifest> {
    const image = await this.select(tagOrDigest);
    return {
      descriptor: { mediaType: DOCKER_MANIFEST, digest: image.manifestDigest, size: image.manifestBytes.length },
      bytes: Buffer.from(image.manifestBytes),
      manifest: structuredClone(image.manifest),
    };
  }

  async openBlob(descriptor: Pick<Descriptor, 'digest' | 'size'>): Promise<Readable> {
    const { member, descriptor: known } = await this.blob(descriptor);
    const where = `${this.location}@${known.digest}`;
    const source = member.size === 0 ? Readable.from([]) : createReadStream(this.file, { start: member.offset, end: member.offset + member.size - 1 });
    return pipeline(source, new VerifyingStream({ digest: known.digest, size: known.size }, where), () => undefined);
  }

  async readBlob(descriptor: Pick<Descriptor, 'digest' | 'size'>, maxBytes = BLOB_READ_LIMIT): Promise<Buffer> {
    if (descriptor.size > maxBytes) {
      throw new ShipshapeError('input', `blob ${descriptor.digest} is ${descriptor.size} bytes, over the ${maxBytes}-byte limit for reading it whole`, { where: this.location });
    }
    return readAllBounded(await this.openBlob(descriptor), maxBytes, `${this.location}@${descriptor.digest}`);
  }

  async hasBlob(digest: string): Promise<boolean> {
    return (await this.load()).blobs.has(digest);
  }

  async putBlob(_data: Buffer, _mediaType: string): Promise<Descriptor> {
    throw this.readOnly();
  }

  async putManifest(_bytes: Buffer, _mediaType: string, _tag?: string): Promise<Descriptor> {
    throw this.readOnly();
  }

  /** Every RepoTag of every image, as manifest.json spells them. */
  async listTags(): Promise<string[]> {
    return [...new Set((await this.load()).images.flatMap((i) => i.repoTags))];
  }

  /** A `docker save` archive carries no signatures or attestations. */
  async referrers(_subjectDigest: string): Promise<Descriptor[]> {
    await this.load();
    return [];
  }

  /** '' → the first image; a config or manifest digest; else a RepoTag. */
  private async select(tagOrDigest: string): Promise<ArchiveImage> {
    const { images } = await this.load();
    if (tagOrDigest === '') return images[0];
    const byDigest = images.find((i) => i.configDigest === tagOrDigest || i.manifestDigest === tagOrDigest);
    if (byDigest) return byDigest;
    const wanted = normalizeRepoTag(tagOrDigest);
    const byTag = images.find((i) => i.repoTags.some((t) => normalizeRepoTag(t) === wanted));
    if (byTag) return byTag;
    const tags = images.flatMap((i) => i.repoTags);
    throw new ShipshapeError('input', `no image "${tagOrDigest}" in the archive`, {
      where: this.location,
      code: 'NOT_FOUND',
      hint: tags.length > 0 ? `the archive holds: ${tags.join(', ')}` : 'the archive\'s images have no tags; address one by its config digest',
    });
  }

  private async blob(descriptor: Pick<Descriptor, 'digest' | 'size'>): Promise<ArchiveBlob> {
    const found = (await this.load()).blobs.get(descriptor.digest);
    if (!found) throw new ShipshapeError('input', `blob ${descriptor.digest} is not in the archive`, { where: this.location, code: 'NOT_FOUND' });
    if (found.descriptor.size !== descriptor.size) {
      throw new ShipshapeError('input', `blob ${descriptor.digest} is ${found.descriptor.size} bytes in the archive, expected ${descriptor.size}`, { where: this.location });
    }
    return found;
  }

  private load(): Promise<Archive> {
    this.archive ??= this.open().catch((error: unknown) => {
      this.archive = undefined;
      throw error;
    });
    return this.archive;
  }

  private async open(): Promise<Archive> {
    let members;
    try {
      members = await scanTar(this.file);
    } catch (error) {
      throw fileError(error, this.file);
    }
    const images = await readArchiveImages(this.file, members);
    const blobs = new Map<string, ArchiveBlob>();
    for (const image of images) for (const blob of image.blobs) blobs.set(blob.descriptor.digest, blob);
    return { images, blobs };
  }

  private readOnly(): ShipshapeError {
    return new ShipshapeError('usage', 'a docker-archive is read-only: nothing can be written to it', {
      where: this.location,
      hint: 'write to an OCI layout (oci:DIR) or a registry instead, e.g. copy the image there first with `skopeo copy`',
    });
  }
}

/** `team/app:1` and `docker.io/team/app:1` are the same RepoTag, as Docker normalizes them. */
function normalizeRepoTag(tag: string): string {
  try {
    const ref = parseRegistryReference(tag);
    return `${ref.registry}/${ref.repository}:${ref.tag ?? 'latest'}`;
  } catch {
    return tag;
  }
}

function fileError(error: unknown, file: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new ShipshapeError('input', 'the docker-archive file does not exist', { where: file, code: 'NOT_FOUND' });
  if (code === 'EISDIR') return new ShipshapeError('input', 'the docker-archive path is a directory, not a `docker save` tar file', { where: file, hint: 'for an OCI layout directory use oci:DIR' });
  return error;
}
