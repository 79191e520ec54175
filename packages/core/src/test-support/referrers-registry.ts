/**
 * A registry with the OCI 1.1 referrers API, for tests of the client's API path: the real
 * distribution registry of the test environment (2.8, which lacks the API) behind a small proxy on
 * 127.0.0.1 that adds exactly what distribution-spec v1.1 says the API does. No registry that serves
 * the API (distribution 3, zot, Harbor) is installable here, and many production registries do.
 *
 * - A successful manifest PUT whose body has a `subject` is recorded under (repository, subject
 *   digest) as the descriptor the API lists — media type, digest of the body, size, `artifactType`
 *   (the manifest's, else its config's media type; none for an index without one), annotations —
 *   and answered with `OCI-Subject: <subject digest>`, which tells clients not to keep the
 *   `sha256-<hex>` fallback tag.
 * - `GET /v2/<name>/referrers/<digest>` answers an image index of those descriptors in push order
 *   (200 with an empty list when there are none; 400 for a malformed digest), filtered by
 *   `?artifactType=` (then with `OCI-Filters-Applied: artifactType`) and paged with
 *   `Link: </v2/<name>/referrers/<digest>?…&last=<digest>>; rel="next"`.
 * - Everything else is forwarded untouched to the real registry.
 *
 * State lives in the proxy's memory: referrers pushed straight to the registry are not listed.
 * Test-only (excluded from the build).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { listenOnLoopback } from './loopback-server';
import { RegistryForwarding } from './registry-forwarding';

export interface ReferrersRegistryOptions {
  /** HOST:PORT of the real registry behind the proxy (plain HTTP). */
  upstream: string;
  /** Referrers per page of the listing (default 100). */
  pageSize?: number;
  /**
   * Rewrites the `Link` to the next page before it is sent: for tests of a client facing a
   * registry that links somewhere it should not (another host, the same page forever).
   */
  rewriteNextLink?: (link: string) => string;
}

export interface ReferrersRegistry {
  /** HOST:PORT to point clients at. */
  readonly host: string;
  /** Requests to the referrers endpoint answered so far (each page counts). */
  readonly referrersRequests: number;
  /** Manifest PUTs with a subject the registry accepted (each answered with OCI-Subject). */
  readonly recordedReferrers: number;
  close(): Promise<void>;
}

interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DEFAULT_PAGE_SIZE = 100;
/** Manifest bodies larger than the spec's 4 MiB ceiling are not inspected (the registry refuses them). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MANIFEST_PATH = /^\/v2\/(.+)\/manifests\/[^/]+$/;
const REFERRERS_PATH = /^\/v2\/(.+)\/referrers\/([^/]+)$/;
/** The distribution spec's digest grammar: algorithm ":" encoded. */
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export async function startReferrersRegistry(options: ReferrersRegistryOptions): Promise<ReferrersRegistry> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const forwarding = new RegistryForwarding(options.upstream);
  /** `<repository>@<subject digest>` → descriptors, in push order. */
  const referrers = new Map<string, ReferrerDescriptor[]>();
  let referrersRequests = 0;
  let recordedReferrers = 0;

  function record(repository: string, subjectDigest: string, descriptor: ReferrerDescriptor): void {
    const key = `${repository}@${subjectDigest}`;
    const list = referrers.get(key) ?? [];
    // The same manifest pushed again (by digest, under another tag) is one referrer.
    if (!list.some((d) => d.digest === descriptor.digest)) list.push(descriptor);
    referrers.set(key, list);
    recordedReferrers++;
  }

  /** Forwards a manifest PUT, keeping a copy of the body to record it once the registry has accepted it. */
  function putManifest(req: http.IncomingMessage, res: http.ServerResponse, repository: string): void {
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length <= MAX_MANIFEST_BYTES) chunks.push(chunk);
    });
    const bodyRead = new Promise<void>((resolve) => req.on('end', resolve));
    const upstreamRequest = forwarding.open(req, res);
    upstreamRequest.on('response', (upstream) => {
      const headers = forwarding.responseHeaders(upstream);
      const answer = () => {
        res.writeHead(upstream.statusCode ?? 502, headers);
        upstream.pipe(res);
      };
      if (upstream.statusCode !== 201) return answer();
      // 201 means the registry read the whole body, so it is here by now (or in a moment).
      void bodyRead.then(() => {
        const referrer = length <= MAX_MANIFEST_BYTES ? asReferrer(Buffer.concat(chunks), req.headers['content-type']) : undefined;
        if (referrer) {
          record(repository, referrer.subjectDigest, referrer.descriptor);
          headers['oci-subject'] = referrer.subjectDigest;
        }
        answer();
      });
    });
    req.pipe(upstreamRequest);
  }

  function listReferrers(res: http.ServerResponse, repository: string, subjectDigest: string, query: URLSearchParams): void {
    referrersRequests++;
    if (!DIGEST.test(subjectDigest)) {
      answerJson(res, 400, 'application/json', { errors: [{ code: 'DIGEST_INVALID', message: `invalid digest ${subjectDigest}` }] });
      return;
    }
    const artifactType = query.get('artifactType');
    const all = referrers.get(`${repository}@${subjectDigest}`) ?? [];
    const matching = artifactType === null ? all : all.filter((d) => d.artifactType === artifactType);
    const last = query.get('last');
    const start = last === null ? 0 : matching.findIndex((d) => d.digest === last) + 1;
    const page = matching.slice(start, start + pageSize);

    const headers: http.OutgoingHttpHeaders = {};
    if (artifactType !== null) headers['oci-filters-applied'] = 'artifactType';
    if (start + pageSize < matching.length) {
      const next = new URLSearchParams();
      if (artifactType !== null) next.set('artifactType', artifactType);
      next.set('last', page[page.length - 1]!.digest);
      const link = `/v2/${repository}/referrers/${subjectDigest}?${next.toString()}`;
      headers.link = `<${options.rewriteNextLink ? options.rewriteNextLink(link) : link}>; rel="next"`;
    }
    answerJson(res, 200, OCI_INDEX, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: page }, headers);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const referrersMatch = req.method === 'GET' ? REFERRERS_PATH.exec(url.pathname) : null;
    if (referrersMatch) {
      req.resume();
      listReferrers(res, referrersMatch[1]!, safeDecode(referrersMatch[2]!), url.searchParams);
      return;
    }
    const manifestMatch = req.method === 'PUT' ? MANIFEST_PATH.exec(url.pathname) : null;
    if (manifestMatch) putManifest(req, res, manifestMatch[1]!);
    else forwarding.pass(req, res);
  });
  const listening = await listenOnLoopback(server);
  const host = `127.0.0.1:${listening.port}`;
  forwarding.proxyOrigin = `http://${host}`;

  return {
    host,
    get referrersRequests() {
      return referrersRequests;
    },
    get recordedReferrers() {
      return recordedReferrers;
    },
    async close() {
      await listening.close();
      forwarding.close();
    },
  };
}

/** The descriptor the referrers API lists for a manifest body, if the manifest has a subject. */
function asReferrer(body: Buffer, contentType: string | undefined): { subjectDigest: string; descriptor: ReferrerDescriptor } | undefined {
  let manifest: {
    mediaType?: unknown;
    artifactType?: unknown;
    config?: { mediaType?: unknown };
    subject?: { digest?: unknown };
    annotations?: Record<string, string>;
  };
  try {
    manifest = JSON.parse(body.toString('utf8')) as typeof manifest;
  } catch {
    return undefined;
  }
  const subjectDigest = manifest.subject?.digest;
  if (typeof subjectDigest !== 'string') return undefined;
  const mediaType = contentType?.split(';')[0]?.trim() || (typeof manifest.mediaType === 'string' ? manifest.mediaType : '');
  const descriptor: ReferrerDescriptor = { mediaType, digest: `sha256:${createHash('sha256').update(body).digest('hex')}`, size: body.length };
  // The manifest's artifactType, else (for an image manifest) its config's media type.
  const artifactType = nonEmptyString(manifest.artifactType) ?? nonEmptyString(manifest.config?.mediaType);
  if (artifactType) descriptor.artifactType = artifactType;
  if (manifest.annotations && typeof manifest.annotations === 'object') descriptor.annotations = manifest.annotations;
  return { subjectDigest, descriptor };
}

/** A malformed escape is left as it is (and then fails the digest check: 400). */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function answerJson(res: http.ServerResponse, status: number, contentType: string, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Docker-Distribution-API-Version': 'registry/2.0' });
  res.end(text);
}
