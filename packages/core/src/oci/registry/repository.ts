/**
 * One registry repository as an ImageStore: manifests, blobs (streamed and verified), uploads
 * (existence check, cross-repository mount, monolithic or chunked), tags and referrers.
 */
import type { Readable } from 'node:stream';
import { ShipshapeError } from '../../errors';
import { readAllBounded, sha256Digest, verifyContent } from '../digest';
import { descriptorSchema, imageIndexSchema, parseManifest, type Descriptor, type ImageIndex } from '../manifest';
import { MANIFEST_ACCEPT, OCI_INDEX } from '../media-types';
import { MAX_MANIFEST_BYTES, type FetchedManifest, type ImageStore, type ReferrersQuery } from '../store';
import { addToReferrersFallback, manifestsToConfirm, readFallbackReferrers } from '../referrers';
import { resumableBlobStream } from './blob-download';
import type { RegistryClient } from './client';
import { discard, header, type HttpResponse } from './http';

export interface RegistryRepositoryOptions {
  /** Blobs larger than this are uploaded in chunks of this size. */
  chunkSize?: number;
  /** Repositories on the same registry to try mounting blobs from before uploading them. */
  mountFrom?: string[];
}

const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;
const BLOB_READ_LIMIT = 64 * 1024 * 1024;
/** Upload sessions tried for one blob before giving up (each one after the registry says it lacks the blob). */
const MAX_UPLOAD_SESSIONS = 5;
/**
 * Pages followed in one listing before giving up: far more than any real listing needs (referrers
 * come a few per image; tags are asked for 1000 a page), so reaching it means a registry that
 * keeps linking onward, and it is never followed forever.
 */
const MAX_REFERRERS_PAGES = 100;
const MAX_TAG_PAGES = 10_000;

export class RegistryRepository implements ImageStore {
  readonly writable = true;
  readonly location: string;
  private readonly chunkSize: number;
  /** Whether the registry serves the OCI 1.1 referrers API; learned on first use. */
  private referrersApi: boolean | undefined;

  constructor(
    private readonly client: RegistryClient,
    readonly host: string,
    readonly repository: string,
    private readonly options: RegistryRepositoryOptions = {},
  ) {
    this.location = `${host}/${repository}`;
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  }

  async resolve(tagOrDigest: string): Promise<Descriptor> {
    const response = await this.send('HEAD', `manifests/${tagOrDigest}`, ['pull'], { Accept: MANIFEST_ACCEPT.join(', ') });
    discard(response);
    const digest = header(response, 'docker-content-digest');
    const mediaType = header(response, 'content-type')?.split(';')[0];
    const size = Number(header(response, 'content-length'));
    if (response.status === 200 && digest && mediaType && Number.isFinite(size)) {
      if (tagOrDigest.includes(':') && digest !== tagOrDigest) {
        throw new ShipshapeError('input', `the registry answered digest ${digest} for ${tagOrDigest}`, { where: this.location });
      }
      return { mediaType, digest, size };
    }
    if (response.status !== 200 && response.status !== 405) throw await this.client.responseError(response, `resolving ${tagOrDigest}`, this.host, this.repository);
    // Some registries omit the digest header on HEAD: fetch the manifest and hash it.
    return (await this.getManifest(tagOrDigest)).descriptor;
  }

  async getManifest(tagOrDigest: string): Promise<FetchedManifest> {
    const { response, body: bytes } = await this.getWhole(`manifests/${tagOrDigest}`, { Accept: MANIFEST_ACCEPT.join(', ') });
    if (response.status !== 200 || !bytes) throw await this.client.responseError(response, `fetching manifest ${tagOrDigest}`, this.host, this.repository);
    const where = `${this.location}@${tagOrDigest}`;
    const headerDigest = header(response, 'docker-content-digest');
    // By digest the content must hash to it; by tag, to what the registry says the tag points at.
    const expected = tagOrDigest.includes(':') ? tagOrDigest : headerDigest;
    if (expected) verifyContent(bytes, { digest: expected }, where);
    const { manifest, mediaType } = parseManifest(bytes, where, header(response, 'content-type')?.split(';')[0]);
    return { descriptor: { mediaType, digest: expected ?? sha256Digest(bytes), size: bytes.length }, bytes, manifest };
  }

  async openBlob(descriptor: Pick<Descriptor, 'digest' | 'size'>): Promise<Readable> {
    const fetchFrom = (offset: number) => this.send('GET', `blobs/${descriptor.digest}`, ['pull'], offset > 0 ? { Range: `bytes=${offset}-` } : undefined);
    const responseError = (response: HttpResponse) => this.client.responseError(response, `fetching blob ${descriptor.digest}`, this.host, this.repository);
    const response = await fetchFrom(0);
    if (response.status !== 200) throw await responseError(response);
    // A connection that breaks mid-body is resumed from where it broke, and the whole is verified.
    return resumableBlobStream({ descriptor, where: `${this.location}@${descriptor.digest}`, host: this.host, fetchFrom, responseError }, response);
  }

  async readBlob(descriptor: Pick<Descriptor, 'digest' | 'size'>, maxBytes = BLOB_READ_LIMIT): Promise<Buffer> {
    if (descriptor.size > maxBytes) {
      throw new ShipshapeError('input', `blob ${descriptor.digest} is ${descriptor.size} bytes, over the ${maxBytes}-byte limit for reading it whole`, { where: this.location });
    }
    const stream = await this.openBlob(descriptor);
    return readAllBounded(stream, maxBytes, `${this.location}@${descriptor.digest}`);
  }

  async hasBlob(digest: string): Promise<boolean> {
    const response = await this.send('HEAD', `blobs/${digest}`, ['pull']);
    discard(response);
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw await this.client.responseError(response, `checking blob ${digest}`, this.host, this.repository);
  }

  async putBlob(data: Buffer, mediaType: string): Promise<Descriptor> {
    const descriptor: Descriptor = { mediaType, digest: sha256Digest(data), size: data.length };
    if (await this.hasBlob(descriptor.digest)) return descriptor;
    if (await this.tryMount(descriptor.digest)) return descriptor;
    // A failed upload session is restarted from scratch: a half-written session is never committed.
    // Sessions die of more than network errors: when the response to a chunk is lost after the
    // registry stored it, the retried chunk is refused (416, or distribution's 404 BLOB_UPLOAD_INVALID,
    // which also cancels the session), and a lost response to the final PUT leaves a finished session
    // (404) behind a blob that is in fact complete. So any failure but an auth one gets a fresh session,
    // once the registry has said it does not already hold the blob.
    for (let session = 1; ; session++) {
      try {
        await this.upload(data, descriptor.digest);
        return descriptor;
      } catch (error) {
        if (await this.hasBlob(descriptor.digest).catch(() => false)) return descriptor;
        if (session >= MAX_UPLOAD_SESSIONS || (error instanceof ShipshapeError && error.kind === 'config')) throw error;
      }
    }
  }

  async putManifest(bytes: Buffer, mediaType: string, tag?: string): Promise<Descriptor> {
    const where = `${this.location}${tag ? `:${tag}` : ''}`;
    const { manifest } = parseManifest(bytes, where, mediaType);
    await this.confirmReferencedContent(manifest);
    const digest = sha256Digest(bytes);
    const response = await this.send('PUT', `manifests/${tag ?? digest}`, ['pull', 'push'], { 'Content-Type': mediaType }, bytes);
    if (response.status !== 201 && response.status !== 200) throw await this.client.responseError(response, `pushing manifest ${tag ?? digest}`, this.host, this.repository);
    discard(response);
    const stored = header(response, 'docker-content-digest');
    if (stored && stored !== digest) {
      throw new ShipshapeError('network', `the registry stored the manifest as ${stored}, not ${digest}`, { where, hint: 'the registry rewrote the manifest; it cannot be used for signed content' });
    }
    const descriptor: Descriptor = { mediaType, digest, size: bytes.length };
    if (manifest.artifactType) descriptor.artifactType = manifest.artifactType;
    if (manifest.annotations) descriptor.annotations = manifest.annotations;
    // A registry with the referrers API says so with OCI-Subject; otherwise keep the fallback index.
    if (manifest.subject && !header(response, 'oci-subject')) {
      const artifactType = manifest.artifactType ?? (manifest as { config?: Descriptor }).config?.mediaType;
      await addToReferrersFallback(this, manifest.subject.digest, { ...descriptor, artifactType });
    }
    return descriptor;
  }

  async listTags(): Promise<string[]> {
    const tags: string[] = [];
    for await (const { response, body: bytes } of this.pages(`/v2/${this.repository}/tags/list?n=1000`, 'listing tags', MAX_TAG_PAGES)) {
      if (response.status === 404) {
        discard(response);
        return [];
      }
      if (response.status !== 200 || !bytes) throw await this.client.responseError(response, 'listing tags', this.host, this.repository);
      const body = JSON.parse(bytes.toString('utf8')) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
    }
    return tags;
  }

  async referrers(subjectDigest: string, query: ReferrersQuery = {}): Promise<Descriptor[]> {
    if (this.referrersApi !== false) {
      const listed = await this.referrersFromApi(subjectDigest, query);
      // Filtering again is harmless where the registry applied the filter (OCI-Filters-Applied), needed where it did not.
      if (listed) return filterReferrers(listed, query);
    }
    return filterReferrers(await readFallbackReferrers(this, subjectDigest), query);
  }

  /** Every page of the OCI 1.1 referrers API's answer; undefined when the registry does not serve the API. */
  private async referrersFromApi(subjectDigest: string, query: ReferrersQuery): Promise<Descriptor[] | undefined> {
    const what = `listing referrers of ${subjectDigest}`;
    const filter = query.artifactType ? `?artifactType=${encodeURIComponent(query.artifactType)}` : '';
    const listed: Descriptor[] = [];
    for await (const { response, body, page } of this.pages(`/v2/${this.repository}/referrers/${subjectDigest}${filter}`, what, MAX_REFERRERS_PAGES, { Accept: OCI_INDEX })) {
      const isIndexAnswer = response.status === 200 && body !== undefined && (header(response, 'content-type') ?? '').includes(OCI_INDEX);
      if (!isIndexAnswer) {
        // A registry without the API answers 404 (or, behind some front ends, 200 with something else).
        if (page === 1 && (response.status === 404 || response.status === 200)) {
          discard(response);
          this.referrersApi = false;
          return undefined;
        }
        if (response.status === 200) throw new ShipshapeError('network', `${what}: page ${page} of the registry's answer is not an image index`, { where: this.location });
        throw await this.client.responseError(response, `${what} (page ${page})`, this.host, this.repository);
      }
      this.referrersApi = true;
      listed.push(...parseReferrersPage(body, what, this.location));
    }
    return listed;
  }

  /**
   * The pages of a paged listing: the first, then each one the previous names in `Link: <…>; rel="next"`
   * (RFC 5988), at most `maxPages`. The caller stops early by returning from its loop.
   */
  private async *pages(firstPath: string, what: string, maxPages: number, headers?: Record<string, string>) {
    let path: string | undefined = firstPath;
    for (let page = 1; path; page++) {
      if (page > maxPages) {
        throw new ShipshapeError('network', `${what}: the registry still names a next page after ${maxPages} pages; stopped there`, {
          where: this.location,
          hint: 'the registry keeps linking to more pages (a registry bug); report it to the registry operator',
        });
      }
      const { response, body } = await this.client.requestWhole(this.host, { method: 'GET', path, repository: this.repository, actions: ['pull'], headers }, MAX_MANIFEST_BYTES);
      yield { response, body, page };
      path = nextPagePath(response, what, this.location);
    }
  }

  /** Every blob and child manifest a manifest references must exist before the manifest is written. */
  private async confirmReferencedContent(manifest: Parameters<typeof manifestsToConfirm>[0]): Promise<void> {
    const { blobs, manifests } = manifestsToConfirm(manifest);
    const missing: string[] = [];
    await Promise.all([
      ...blobs.map(async (d) => (await this.hasBlob(d.digest)) || missing.push(`blob ${d.digest}`)),
      ...manifests.map(async (d) => (await this.hasManifest(d.digest)) || missing.push(`manifest ${d.digest}`)),
    ]);
    if (missing.length > 0) {
      throw new ShipshapeError('input', `refusing to push a manifest whose content is missing from the registry: ${missing.join(', ')}`, { where: this.location });
    }
  }

  private async hasManifest(digest: string): Promise<boolean> {
    const response = await this.send('HEAD', `manifests/${digest}`, ['pull'], { Accept: MANIFEST_ACCEPT.join(', ') });
    discard(response);
    return response.status === 200;
  }

  private async tryMount(digest: string): Promise<boolean> {
    for (const from of this.options.mountFrom ?? []) {
      if (from === this.repository) continue;
      const path = `/v2/${this.repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
      const response = await this.client.request(this.host, {
        method: 'POST',
        path,
        repository: this.repository,
        actions: ['pull', 'push'],
        extraScopes: [`repository:${from}:pull`],
      });
      discard(response);
      if (response.status === 201) return true;
      // 202 opened an upload session instead of mounting; it is abandoned and a fresh one used.
    }
    return false;
  }

  private async upload(data: Buffer, digest: string): Promise<void> {
    let location = await this.startUpload();
    if (data.length > this.chunkSize) {
      for (let offset = 0; offset < data.length; offset += this.chunkSize) {
        const chunk = data.subarray(offset, Math.min(offset + this.chunkSize, data.length));
        const response = await this.client.request(this.host, {
          method: 'PATCH',
          path: location,
          repository: this.repository,
          actions: ['pull', 'push'],
          headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${offset}-${offset + chunk.length - 1}` },
          body: chunk,
        });
        if (response.status !== 202) throw await this.client.responseError(response, `uploading blob ${digest} (chunk at ${offset})`, this.host, this.repository);
        discard(response);
        location = this.uploadLocation(response);
      }
      await this.finishUpload(location, digest, undefined);
    } else {
      await this.finishUpload(location, digest, data);
    }
    // Trust but verify: the registry must now serve the blob under its digest.
    if (!(await this.hasBlob(digest))) throw new ShipshapeError('network', `blob ${digest} is missing after its upload completed`, { where: this.location });
  }

  private async startUpload(): Promise<string> {
    const response = await this.client.request(this.host, { method: 'POST', path: `/v2/${this.repository}/blobs/uploads/`, repository: this.repository, actions: ['pull', 'push'] });
    if (response.status !== 202) throw await this.client.responseError(response, 'starting a blob upload', this.host, this.repository);
    discard(response);
    return this.uploadLocation(response);
  }

  private async finishUpload(location: string, digest: string, body: Buffer | undefined): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const response = await this.client.request(this.host, {
      method: 'PUT',
      path: url.toString(),
      repository: this.repository,
      actions: ['pull', 'push'],
      headers: { 'Content-Type': 'application/octet-stream' },
      body,
    });
    if (response.status !== 201) throw await this.client.responseError(response, `completing the upload of blob ${digest}`, this.host, this.repository);
    discard(response);
  }

  private uploadLocation(response: HttpResponse): string {
    const location = header(response, 'location');
    if (!location) throw new ShipshapeError('network', 'the registry opened an upload without a Location header', { where: this.location });
    return new URL(location, response.url).toString();
  }

  /** A GET under /v2/<repository>/ whose body is read whole (and re-requested if the connection breaks). */
  private getWhole(path: string, headers: Record<string, string>) {
    return this.client.requestWhole(this.host, { method: 'GET', path: `/v2/${this.repository}/${path}`, repository: this.repository, actions: ['pull'], headers }, MAX_MANIFEST_BYTES);
  }

  private send(method: 'GET' | 'HEAD' | 'PUT', path: string, actions: ('pull' | 'push')[], headers?: Record<string, string>, body?: Buffer) {
    return this.client.request(this.host, { method, path: `/v2/${this.repository}/${path}`, repository: this.repository, actions, headers, body });
  }
}

function filterReferrers(descriptors: Descriptor[], query: ReferrersQuery): Descriptor[] {
  const valid = descriptors.filter((d) => descriptorSchema.safeParse(d).success);
  return query.artifactType ? valid.filter((d) => d.artifactType === query.artifactType) : valid;
}

function parseReferrersPage(body: Buffer, what: string, where: string): Descriptor[] {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ShipshapeError('network', `${what}: the registry answered with invalid JSON`, { where });
  }
  const parsed = imageIndexSchema.safeParse(json);
  if (!parsed.success) throw new ShipshapeError('network', `${what}: the registry's answer is not a valid image index`, { where });
  return (parsed.data as ImageIndex).manifests;
}

/**
 * The path of the next page from RFC 5988 `Link: </v2/x/tags/list?n=1000&last=b>; rel="next"` (relative
 * links resolved against the page that named them), or undefined on the last page. A link to another
 * origin is refused rather than followed: the request would carry this registry's credentials.
 */
function nextPagePath(response: HttpResponse, what: string, where: string): string | undefined {
  const link = nextLink(header(response, 'link'));
  if (link === undefined) return undefined;
  let next: URL;
  try {
    next = new URL(link, response.url);
  } catch {
    throw new ShipshapeError('network', `${what}: the registry's link to the next page is not a URL`, { where });
  }
  if (next.origin !== response.url.origin) {
    throw new ShipshapeError('network', `${what}: the registry's link to the next page points to ${next.origin}, not ${response.url.origin}; not followed`, { where });
  }
  return `${next.pathname}${next.search}`;
}

function nextLink(link: string | undefined): string | undefined {
  const match = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
  return match?.[1];
}

