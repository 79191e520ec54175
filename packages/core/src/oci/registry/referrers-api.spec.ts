/**
 * The OCI 1.1 referrers API, against the real distribution registry behind a proxy that serves the
 * API (test-support/referrers-registry.ts; the test registries themselves lack it): a push with a
 * subject relies on the API instead of the `sha256-<hex>` fallback tag, listings come from the API —
 * every page of them, filtered by the registry when asked — and an image signed in bundle format
 * verifies there. A registry that links to more pages forever, or to another host, is not followed.
 * Against the plain registry (404 for the API) the fallback tag is still used.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signingSchema } from '../../config';
import { createLogger, MemorySink } from '../../exec/logger';
import { generateKeyPair } from '../../signing/keys/generate';
import { verificationPolicy } from '../../signing/policy';
import { createSigningSetups } from '../../signing/setup';
import { signImage } from '../../signing/sign-image';
import { verifyImage } from '../../signing/verify-image';
import { makeTestImage, pushReferrer, pushTestImage } from '../../test-support/images';
import { startReferrersRegistry, type ReferrersRegistry, type ReferrersRegistryOptions } from '../../test-support/referrers-registry';
import { testEnv } from '../../test-support/test-env';
import type { Descriptor } from '../manifest';
import { OCI_MANIFEST } from '../media-types';
import { openImage } from '../open';
import { referrersFallbackTag } from '../store';
import { RegistryClient } from './client';
import { RegistryRepository } from './repository';

const env = testEnv();
const SBOM = 'application/vnd.cyclonedx+json';
const SIGNATURE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

const clients: RegistryClient[] = [];
const registries: ReferrersRegistry[] = [];
afterAll(async () => {
  clients.forEach((c) => c.close());
  await Promise.all(registries.map((r) => r.close()));
});

function client(): RegistryClient {
  const c = new RegistryClient({ env: { HOME: '/nonexistent' }, retry: { baseDelayMs: 5, maxDelayMs: 20 } });
  clients.push(c);
  return c;
}
async function referrersRegistry(options: Omit<ReferrersRegistryOptions, 'upstream'> = {}): Promise<ReferrersRegistry> {
  const registry = await startReferrersRegistry({ upstream: env.registry, ...options });
  registries.push(registry);
  return registry;
}
const uniqueRepo = (name: string) => `test/${name}-${randomBytes(4).toString('hex')}`;
/** A repository object with nothing learned yet (whether the registry has the API is found out per object). */
const freshRepository = (host: string, repository: string) => new RegistryRepository(client(), host, repository);

/** A new image in a new repository, and referrers of the given artifact types pushed to it one after another. */
async function imageWithReferrers(host: string, artifactTypes: string[]): Promise<{ repo: RegistryRepository; subject: Descriptor; referrers: Descriptor[] }> {
  const repo = freshRepository(host, uniqueRepo('referrers-api'));
  const subject = await pushTestImage(repo, makeTestImage(), 'v1');
  const referrers: Descriptor[] = [];
  for (const type of artifactTypes) referrers.push(await pushReferrer(repo, subject, type));
  return { repo, subject, referrers };
}

describe('a registry with the referrers API', () => {
  let registry: ReferrersRegistry;

  beforeAll(async () => {
    registry = await referrersRegistry();
  });

  it('takes a referrer through the API: no fallback tag is written, and the listing comes from the API', async () => {
    const { repo, subject, referrers } = await imageWithReferrers(registry.host, [SBOM]);
    expect(registry.recordedReferrers).toBeGreaterThanOrEqual(1);
    expect(await repo.listTags()).toEqual(['v1']);
    await expect(repo.resolve(referrersFallbackTag(subject.digest))).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const before = registry.referrersRequests;
    const listed = await freshRepository(registry.host, repo.repository).referrers(subject.digest);
    expect(listed).toEqual([{ mediaType: OCI_MANIFEST, digest: referrers[0]!.digest, size: referrers[0]!.size, artifactType: SBOM }]);
    expect(registry.referrersRequests).toBe(before + 1);
    // A subject nothing refers to: an empty index, not a 404 (so no fallback either).
    expect(await freshRepository(registry.host, repo.repository).referrers(referrers[0]!.digest)).toEqual([]);
    expect(registry.referrersRequests).toBe(before + 2);
  });

  it('signs an image in bundle format with a cosign key, and verifies it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'referrers-api-sign-'));
    try {
      const password = randomBytes(8).toString('hex');
      const pair = await generateKeyPair(password);
      writeFileSync(join(dir, 'cosign.key'), pair.privateKeyPem);
      writeFileSync(join(dir, 'cosign.pub'), pair.publicKeyPem);
      const other = await generateKeyPair('');
      writeFileSync(join(dir, 'other.pub'), other.publicKeyPem);
      const keyEnv = { COSIGN_PASSWORD: password };
      const signing = signingSchema.parse({ key: 'cosign.key', format: 'bundle', verify: { key: 'cosign.pub' } });

      const repository = uniqueRepo('signed');
      const image = await pushTestImage(freshRepository(registry.host, repository), makeTestImage(), 'v1');
      const reference = `${registry.host}/${repository}:v1`;
      const setups = await createSigningSetups(signing, { env: keyEnv, logger: createLogger({ sink: new MemorySink() }), cwd: dir });
      const signed = await signImage(openImage(reference, { client: client() }), setups, 'bundle', createLogger({ sink: new MemorySink() }));
      expect(signed.signatures).toEqual([{ format: 'bundle', location: expect.stringMatching(new RegExp(`^${registry.host}/${repository}@sha256:[0-9a-f]{64}$`)), added: true }]);
      expect(await freshRepository(registry.host, repository).listTags()).toEqual(['v1']);

      const before = registry.referrersRequests;
      const result = await verifyImage(openImage(reference, { client: client() }), await verificationPolicy(signing, { env: keyEnv, cwd: dir }));
      expect(result.rejected).toEqual([]);
      expect(result.verified).toEqual([expect.objectContaining({ format: 'bundle', digest: image.digest, location: signed.signatures[0]!.location })]);
      expect(registry.referrersRequests).toBeGreaterThan(before);

      // The signature found through the API is really checked: another key does not verify it.
      const otherKey = signingSchema.parse({ verify: { key: 'other.pub' } });
      const wrong = await verifyImage(openImage(reference, { client: client() }), await verificationPolicy(otherKey, { env: {}, cwd: dir }));
      expect(wrong.verified).toEqual([]);
      expect(wrong.rejected).toEqual([expect.objectContaining({ format: 'bundle', location: signed.signatures[0]!.location, reason: expect.stringMatching(/does not verify with the given key/) })]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a registry that pages the referrers listing', () => {
  let registry: ReferrersRegistry;

  beforeAll(async () => {
    registry = await referrersRegistry({ pageSize: 2 });
  });

  it('lists all five referrers from pages of two, in order', async () => {
    const types = [SBOM, SIGNATURE, SBOM, SIGNATURE, SBOM];
    const { repo, subject, referrers } = await imageWithReferrers(registry.host, types);
    const before = registry.referrersRequests;
    const listed = await freshRepository(registry.host, repo.repository).referrers(subject.digest);
    expect(listed.map((d) => d.digest)).toEqual(referrers.map((d) => d.digest));
    expect(listed.map((d) => d.artifactType)).toEqual(types);
    expect(registry.referrersRequests - before).toBe(3);
  });

  it('has the registry filter by artifactType: three SBOMs in two pages', async () => {
    const { repo, subject, referrers } = await imageWithReferrers(registry.host, [SBOM, SIGNATURE, SBOM, SIGNATURE, SBOM]);
    const before = registry.referrersRequests;
    const sboms = await freshRepository(registry.host, repo.repository).referrers(subject.digest, { artifactType: SBOM });
    expect(sboms.map((d) => d.digest)).toEqual([referrers[0]!.digest, referrers[2]!.digest, referrers[4]!.digest]);
    // Unfiltered, five referrers would take three pages: two means the registry applied the filter.
    expect(registry.referrersRequests - before).toBe(2);
  });
});

describe('a registry whose next-page links cannot be followed', () => {
  it('stops after 100 pages of a listing that never ends, with a clear error', async () => {
    // Dropping the cursor makes every page link back to the first page.
    const registry = await referrersRegistry({ pageSize: 1, rewriteNextLink: (link) => link.replace(/[?&]last=[^&]*/, '') });
    const { repo, subject } = await imageWithReferrers(registry.host, [SBOM, SBOM]);
    const before = registry.referrersRequests;
    await expect(freshRepository(registry.host, repo.repository).referrers(subject.digest)).rejects.toThrow(/still names a next page after 100 pages/);
    expect(registry.referrersRequests - before).toBe(100);
  });

  it('does not follow a link to another host', async () => {
    const registry = await referrersRegistry({ pageSize: 1, rewriteNextLink: (link) => `https://registry.invalid${link}` });
    const { repo, subject } = await imageWithReferrers(registry.host, [SBOM, SBOM]);
    const before = registry.referrersRequests;
    await expect(freshRepository(registry.host, repo.repository).referrers(subject.digest)).rejects.toThrow(/points to https:\/\/registry\.invalid, not http:\/\/127\.0\.0\.1:\d+; not followed/);
    expect(registry.referrersRequests - before).toBe(1);
  });
});

describe('a registry without the referrers API (404)', () => {
  it('keeps and reads the sha256-<hex> fallback tag', async () => {
    const { repo, subject, referrers } = await imageWithReferrers(env.registry, [SBOM]);
    expect((await repo.listTags()).sort()).toEqual([referrersFallbackTag(subject.digest), 'v1'].sort());
    expect((await freshRepository(env.registry, repo.repository).referrers(subject.digest)).map((d) => d.digest)).toEqual([referrers[0]!.digest]);
  });
});
