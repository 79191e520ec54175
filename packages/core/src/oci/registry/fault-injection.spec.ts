/**
 * The registry client against a registry that misbehaves: a fault-injecting proxy (test-support/
 * fault-proxy.ts) in front of the real plain registry answers a share of requests with 503, 429 or
 * a dropped connection — including connections dropped after the registry applied the request, so
 * the client must cope with writes whose outcome it never heard. Everything pushed through the proxy
 * is then read back directly from the registry and checked byte for byte against its digest.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ShipshapeError } from '../../errors';
import { FAULT_KINDS, startFaultProxy, type FaultDecision, type FaultProxy, type FaultProxyOptions } from '../../test-support/fault-proxy';
import { makeTestImage, pushReferrer, pushTestImage } from '../../test-support/images';
import { testEnv } from '../../test-support/test-env';
import { sha256Digest } from '../digest';
import { isIndex, type Descriptor, type ImageManifest } from '../manifest';
import { referrersFallbackTag } from '../store';
import { MAX_BLOB_RESUMES } from './blob-download';
import { RegistryClient } from './client';
import { RegistryRepository } from './repository';

const env = testEnv();
/** Override to replay or explore: SHIPSHAPE_FAULT_SEED=123 npm test -- fault-injection. */
const SEED = Number(process.env.SHIPSHAPE_FAULT_SEED ?? 20240917);
const CHUNK_SIZE = 64 * 1024;
const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 50, attempts: 10, maxRetryAfterMs: 1000 };

// A push through the proxy can spend a few seconds in Retry-After and backoff.
jest.setTimeout(120_000);

const clients: RegistryClient[] = [];
const proxies: FaultProxy[] = [];
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

function client(): RegistryClient {
  const c = new RegistryClient({ env: { HOME: '/nonexistent' }, retry: FAST_RETRY });
  clients.push(c);
  return c;
}
async function proxy(options: Omit<FaultProxyOptions, 'upstream'>): Promise<FaultProxy> {
  const p = await startFaultProxy({ upstream: env.registry, ...options });
  proxies.push(p);
  return p;
}
const uniqueRepo = (name: string) => `test/faults-${name}-${randomBytes(4).toString('hex')}`;
/** The same repository straight from the registry: what every later reader will see. */
const direct = (repository: string) => new RegistryRepository(client(), env.registry, repository);
const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Reads a blob with our client and hashes it independently. */
async function readWhole(repo: RegistryRepository, descriptor: Pick<Descriptor, 'digest' | 'size'>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await repo.openBlob(descriptor)) chunks.push(chunk as Buffer);
  const data = Buffer.concat(chunks);
  expect(data.length).toBe(descriptor.size);
  expect(sha256(data)).toBe(descriptor.digest);
  return data;
}

/** A scripted fault for the n-th request (1-based) that matches. */
function nth(n: number, matches: (r: { method: string; path: string }) => boolean, decision: FaultDecision) {
  let seen = 0;
  return (request: { method: string; path: string }) => (matches(request) && ++seen === n ? decision : undefined);
}
/** The first scripted fault any of `scripts` wants for a request (each sees every request). */
function firstOf(...scripts: ((r: { method: string; path: string }) => FaultDecision | undefined)[]) {
  return (request: { method: string; path: string }) => scripts.map((script) => script(request)).find(Boolean);
}
/** A scripted fault for the first request matching `target` after one matching `after` was seen. */
function onceAfter(after: (r: { method: string; path: string }) => boolean, target: (r: { method: string; path: string }) => boolean, decision: FaultDecision) {
  let armed = false;
  let done = false;
  return (request: { method: string; path: string }) => {
    if (after(request)) armed = true;
    else if (armed && !done && target(request)) {
      done = true;
      return decision;
    }
    return undefined;
  };
}
/** The `sha256-<hex>` referrers fallback tag: written only after the PUT that writes it succeeded. */
const isFallbackIndex = (method: string) => (r: { method: string; path: string }) => r.method === method && r.path.includes('/manifests/sha256-');
const isUploadPatch = (r: { method: string; path: string }) => r.method === 'PATCH' && r.path.includes('/blobs/uploads/');

describe('pushing through a registry that fails a share of requests', () => {
  it('completes an image and three referrers, and leaves every object whole and digest-correct', async () => {
    const repository = uniqueRepo('push');
    // Random faults on 30% of requests, plus three that are certain to happen whatever the order of
    // concurrent requests: lost responses to an applied chunk and an applied manifest, and a cut read
    // of the referrers fallback index.
    const faulty = await proxy({
      faultRate: 0.3,
      seed: SEED,
      decide: firstOf(
        nth(2, isUploadPatch, { kind: 'reset-after', cut: 'before-headers' }),
        nth(1, (r) => r.method === 'PUT' && r.path.includes('/manifests/sha256:'), { kind: 'reset-after', cut: 'after-headers' }),
        onceAfter(isFallbackIndex('PUT'), isFallbackIndex('GET'), { kind: 'reset-after', cut: 'mid-body' }),
      ),
    });
    const through = new RegistryRepository(client(), faulty.host, repository, { chunkSize: CHUNK_SIZE });

    // Layer 0 is uploaded in five chunks; the others monolithically.
    const image = makeTestImage({ layerSizes: [4 * CHUNK_SIZE + 1234, 3000, 200] });
    expect(image.layers[0]!.length).toBeGreaterThan(4 * CHUNK_SIZE);
    const subject = await pushTestImage(through, image, 'v1');
    const artifactTypes = ['application/vnd.dev.sigstore.bundle.v0.3+json', 'application/vnd.cyclonedx+json', 'application/vnd.in-toto+json'];
    const payloads = artifactTypes.map(() => randomBytes(CHUNK_SIZE + 99));
    const pushed = await Promise.all(artifactTypes.map((type, i) => pushReferrer(through, subject, type, payloads[i])));

    // The proxy really did fail requests, in every way it knows.
    const counts = faulty.counts();
    expect(FAULT_KINDS.filter((kind) => counts[kind] === 0)).toEqual([]);
    const lost = faulty.faults.filter((f) => f.kind === 'reset-after').map((f) => `${f.method} ${f.upstreamStatus}`);
    expect(lost).toEqual(expect.arrayContaining(['PATCH 202', 'PUT 201', 'GET 200']));

    // Read back directly from the registry, without the proxy.
    const repo = direct(repository);
    expect((await repo.resolve('v1')).digest).toBe(image.digest);
    const stored = await repo.getManifest(image.digest);
    expect(stored.bytes.equals(image.manifest)).toBe(true);
    const manifest = stored.manifest as ImageManifest;
    expect((await readWhole(repo, manifest.config)).equals(image.config)).toBe(true);
    for (const [i, layer] of manifest.layers.entries()) expect((await readWhole(repo, layer)).equals(image.layers[i]!)).toBe(true);

    const listed = await repo.referrers(subject.digest);
    expect(listed.map((d) => d.digest).sort()).toEqual(pushed.map((d) => d.digest).sort());
    for (const [i, referrer] of pushed.entries()) {
      const entry = listed.find((d) => d.digest === referrer.digest)!;
      expect(entry.artifactType).toBe(artifactTypes[i]);
      const { manifest: m, bytes } = await repo.getManifest(referrer.digest);
      expect(sha256(bytes)).toBe(referrer.digest);
      expect(entry.size).toBe(bytes.length);
      if (isIndex(m)) throw new Error('a referrer is an image manifest');
      expect(m.subject?.digest).toBe(subject.digest);
      expect((await readWhole(repo, m.layers[0]!)).equals(payloads[i]!)).toBe(true);
    }
    expect((await repo.listTags()).sort()).toEqual([referrersFallbackTag(subject.digest), 'v1'].sort());
  });
});

describe('one precise fault at a time', () => {
  it('restarts a chunked upload whose chunk was stored but whose response was lost', async () => {
    const faulty = await proxy({ faultRate: 0, seed: SEED, decide: nth(2, isUploadPatch, { kind: 'reset-after', cut: 'before-headers' }) });
    const repository = uniqueRepo('lost-patch');
    const blob = randomBytes(3 * CHUNK_SIZE + 7);
    const descriptor = await new RegistryRepository(client(), faulty.host, repository, { chunkSize: CHUNK_SIZE }).putBlob(blob, 'application/octet-stream');
    expect(faulty.faults).toEqual([expect.objectContaining({ kind: 'reset-after', method: 'PATCH', upstreamStatus: 202 })]);
    expect((await readWhole(direct(repository), descriptor)).equals(blob)).toBe(true);
  });

  it('accepts an upload whose final PUT was applied but whose response was lost', async () => {
    const isFinish = (r: { method: string; path: string }) => r.method === 'PUT' && r.path.includes('/blobs/uploads/');
    const faulty = await proxy({ faultRate: 0, seed: SEED, decide: nth(1, isFinish, { kind: 'reset-after', cut: 'after-headers' }) });
    const repository = uniqueRepo('lost-put');
    const blob = randomBytes(5000);
    const descriptor = await new RegistryRepository(client(), faulty.host, repository).putBlob(blob, 'application/octet-stream');
    expect(faulty.faults).toEqual([expect.objectContaining({ kind: 'reset-after', method: 'PUT', upstreamStatus: 201 })]);
    expect((await readWhole(direct(repository), descriptor)).equals(blob)).toBe(true);
  });

  it('reads a manifest again when the connection drops in the middle of its body', async () => {
    const repository = uniqueRepo('cut-manifest');
    const image = makeTestImage();
    await pushTestImage(direct(repository), image, 'v1');
    const isManifestGet = (r: { method: string; path: string }) => r.method === 'GET' && r.path.includes('/manifests/');
    const faulty = await proxy({ faultRate: 0, seed: SEED, decide: nth(1, isManifestGet, { kind: 'reset-after', cut: 'mid-body' }) });
    const fetched = await new RegistryRepository(client(), faulty.host, repository).getManifest('v1');
    expect(faulty.faults).toEqual([expect.objectContaining({ kind: 'reset-after', cut: 'mid-body', upstreamStatus: 200 })]);
    expect(fetched.bytes.equals(image.manifest)).toBe(true);
    expect(fetched.descriptor.digest).toBe(image.digest);
  });

  it('resumes a blob download cut mid-body from where it broke (Range), and the joined content verifies', async () => {
    const repository = uniqueRepo('resume-blob');
    const blob = randomBytes(512 * 1024);
    const descriptor = await direct(repository).putBlob(blob, 'application/octet-stream');
    const ranges: (string | undefined)[] = [];
    const decide = (r: { method: string; path: string; range?: string }) => {
      if (r.method !== 'GET' || !r.path.includes('/blobs/sha256:')) return undefined;
      ranges.push(r.range);
      return ranges.length === 1 ? ({ kind: 'reset-after', cut: 'mid-body', drop: 'close' } as const) : undefined;
    };
    const faulty = await proxy({ faultRate: 0, seed: SEED, decide });
    const data = await readWhole(new RegistryRepository(client(), faulty.host, repository), descriptor);
    expect(data.equals(blob)).toBe(true);
    // The proxy closed the first answer after half the body; the second request asked only for the rest.
    expect(ranges).toEqual([undefined, `bytes=${blob.length / 2}-`]);
  });

  it('fails a blob download cut on every attempt with one network error, instead of hanging or returning short data', async () => {
    const repository = uniqueRepo('cut-blob');
    const blob = randomBytes(512 * 1024);
    const descriptor = await direct(repository).putBlob(blob, 'application/octet-stream');
    const isBlobGet = (r: { method: string; path: string }) => r.method === 'GET' && r.path.includes('/blobs/sha256:');
    const faulty = await proxy({ faultRate: 0, seed: SEED, decide: (r) => (isBlobGet(r) ? { kind: 'reset-after', cut: 'mid-body' } : undefined) });
    const repo = new RegistryRepository(client(), faulty.host, repository);
    const error = await readWhole(repo, descriptor).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShipshapeError);
    expect((error as ShipshapeError).kind).toBe('network');
    expect((error as ShipshapeError).message).toMatch(new RegExp(`broke while reading blob ${descriptor.digest} \\(\\d+ of ${blob.length} bytes, ${MAX_BLOB_RESUMES} resumes\\)`));
    expect(faulty.counts()['reset-after']).toBe(MAX_BLOB_RESUMES + 1);
  });

  it('keeps a referrer listed when the response to the fallback-index update was lost', async () => {
    const repository = uniqueRepo('lost-index');
    const subject = await pushTestImage(direct(repository), makeTestImage(), 'v1');
    const tag = referrersFallbackTag(subject.digest);
    const isIndexPut = (r: { method: string; path: string }) => r.method === 'PUT' && r.path.endsWith(`/manifests/${tag}`);
    const faulty = await proxy({ faultRate: 0, seed: SEED, decide: nth(1, isIndexPut, { kind: 'reset-after', cut: 'before-headers' }) });
    const referrer = await pushReferrer(new RegistryRepository(client(), faulty.host, repository), subject, 'application/vnd.cyclonedx+json');
    expect(faulty.faults).toEqual([expect.objectContaining({ kind: 'reset-after', method: 'PUT', upstreamStatus: 201 })]);
    expect((await direct(repository).referrers(subject.digest)).map((d) => d.digest)).toEqual([referrer.digest]);
    expect(sha256Digest((await direct(repository).getManifest(referrer.digest)).bytes)).toBe(referrer.digest);
  });
});
