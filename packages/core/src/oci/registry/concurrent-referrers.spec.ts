/**
 * Twenty writers adding referrers to one subject at once on a registry without the referrers API
 * (Debian's distribution 2.8), so every addition is a read-modify-write of the `sha256-<hex>`
 * fallback index tag. Afterwards all twenty must be listed.
 *
 * The cross-process case is the one that matters (parallel Nx tasks, several CI jobs): twenty Node
 * processes, each with its own client, share nothing but the registry — no in-process lock helps.
 * The in-process case (one shared client) checks that writers in one process serialize cleanly.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { makeTestImage, pushReferrer, pushTestImage } from '../../test-support/images';
import { REPO_ROOT, testEnv } from '../../test-support/test-env';
import { isIndex, type Descriptor } from '../manifest';
import { referrersFallbackTag } from '../store';
import { RegistryClient } from './client';
import { RegistryRepository } from './repository';
import { tsChildArgs } from '../../test-support/child-main';

const env = testEnv();
const WRITERS = 20;
// Twenty Node processes compiling TypeScript on a small CI machine take a while to start.
jest.setTimeout(180_000);

const clients: RegistryClient[] = [];
afterAll(() => clients.forEach((c) => c.close()));
function client(): RegistryClient {
  const c = new RegistryClient({ env: { HOME: '/nonexistent' }, retry: { baseDelayMs: 5, maxDelayMs: 50, attempts: 10 } });
  clients.push(c);
  return c;
}
const uniqueRepo = (name: string) => `test/${name}-${randomBytes(4).toString('hex')}`;
const artifactType = (i: number) => `application/vnd.shipshape.test.writer-${i}+json`;

const WRITER = join(REPO_ROOT, 'packages', 'core', 'src', 'test-support', 'referrer-writer.ts');

interface Writer {
  ready: Promise<void>;
  go(): void;
  result: Promise<{ digest: string; indexWrites: number }>;
}

/** Starts one writer process; it reports `ready`, waits for `go`, then pushes and reports its digest. */
function startWriter(repository: string, subject: Descriptor, type: string): Writer {
  const child = spawn(process.execPath, tsChildArgs(WRITER, [env.registry, repository, JSON.stringify(subject), type]), {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let last = '';
  lines.on('line', (line) => {
    if (line === 'ready') markReady();
    else last = line;
  });
  const result = new Promise<{ digest: string; indexWrites: number }>((resolve, reject) => {
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(last) as { digest: string; indexWrites: number });
      else reject(new Error(`writer for ${type} exited with ${code}: ${stderr.trim()}`));
    });
  });
  // A writer that dies before `ready` must fail the test, not leave it waiting.
  const readyOrDead = Promise.race([ready, result.then(() => undefined)]);
  return { ready: readyOrDead, go: () => child.stdin.end('go\n'), result };
}

describe('20 concurrent writers of the referrers fallback index', () => {
  it('in 20 separate processes: every referrer is listed afterwards', async () => {
    const repository = uniqueRepo('referrers-processes');
    const registry = new RegistryRepository(client(), env.registry, repository);
    const subject = await pushTestImage(registry, makeTestImage(), 'v1');

    const writers = Array.from({ length: WRITERS }, (_, i) => startWriter(repository, subject, artifactType(i)));
    // All have uploaded their blobs and connected before any of them touches the index.
    await Promise.all(writers.map((w) => w.ready));
    writers.forEach((w) => w.go());
    const results = await Promise.all(writers.map((w) => w.result));

    const listed = await new RegistryRepository(client(), env.registry, repository).referrers(subject.digest);
    expect(listed.map((d) => d.digest).sort()).toEqual(results.map((r) => r.digest).sort());
    expect(new Set(listed.map((d) => d.digest)).size).toBe(WRITERS);
    expect(listed.map((d) => d.artifactType).sort()).toEqual(Array.from({ length: WRITERS }, (_, i) => artifactType(i)).sort());
    // Every writer wrote the index at least once (more means it repaired a concurrent overwrite).
    for (const r of results) expect(r.indexWrites).toBeGreaterThanOrEqual(1);
  });

  it('in one process through one shared client: every referrer is listed afterwards', async () => {
    const repository = uniqueRepo('referrers-in-process');
    const shared = client();
    const subject = await pushTestImage(new RegistryRepository(shared, env.registry, repository), makeTestImage(), 'v1');

    const pushed = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) => pushReferrer(new RegistryRepository(shared, env.registry, repository), subject, artifactType(i))),
    );

    const fresh = new RegistryRepository(client(), env.registry, repository);
    const listed = await fresh.referrers(subject.digest);
    expect(listed.map((d) => d.digest).sort()).toEqual(pushed.map((d) => d.digest).sort());
    const { manifest } = await fresh.getManifest(referrersFallbackTag(subject.digest));
    expect(isIndex(manifest) && manifest.manifests.length).toBe(WRITERS);
  });
});
