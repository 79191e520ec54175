/**
 * The release workflow as a user meets it, with nothing stood in for: a fresh workspace from
 * `create-nx-workspace`, the packed @shipshape/core and @shipshape/nx installed from their tarballs,
 * three projects whose images are real fixture images in the real loopback registries (two in the
 * plain one; one in the TLS one, with basic auth, so there is a registry password to keep out of the
 * cache), Shipshape's generators, and `nx run-many -t release`, then:
 *   - signatures (and SBOM / provenance attestations, where those executors exist) are in the registry
 *     and verify with the `shipshape` command;
 *   - a second run replays every cached Shipshape target from the cache;
 *   - a new image for one project re-runs that project's cached targets only;
 *   - `nx affected` picks only the project that changed;
 *   - a new signing key at the same path re-runs the steps that sign (the key is part of their cache key);
 *   - a second copy of the workspace with an empty local cache restores every cached target and its
 *     files from a remote cache (Nx's self-hosted remote cache protocol, served here on 127.0.0.1);
 *   - no secret is in any cache, local or remote, nor in Nx's output.
 * The steps build on each other and run in order.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixtureImage, testEnv, type TestEnv } from '../../packages/core/src/test-support/test-env';
import { cleanEnv, run } from './support/exec';
import { listTags, pushImageVariant, type RegistryAuth } from './support/images';
import { outcomes, type NxTask } from './support/nx-output';
import { startRemoteCache, type RemoteCache } from './support/remote-cache';
import { findSecretsIn, findSecretsInTree, type Secret } from './support/secret-scan';
import { addProject, createNxWorkspace, installTarballs, packShipshape, pruneUndeclaredTargets, SHIPSHAPE_PREFIX, Workspace, type NxRun } from './support/workspace';

jest.setTimeout(20 * 60_000);

const REPO_ROOT = path.resolve(__dirname, '..', '..');

interface E2eProject {
  name: string;
  root: string;
  registry: 'plain' | 'tls';
  /** `HOST:PORT/REPO:TAG` the project's image is pushed to (its image-digest `image` option). */
  image: string;
  /** The digest pushed last. */
  digest: string;
}

interface ImageFile {
  image: string;
  digest: string;
}

let env: TestEnv;
let runDir: string;
let workspace: Workspace;
let remote: RemoteCache;
let declared: Set<string>;
let projects: E2eProject[];
let tlsAuth: RegistryAuth;
let secrets: Secret[];
/** Every Nx command's output, searched for secrets at the end. */
const outputs: { what: string; text: string }[] = [];
/** Per project: the targets Nx caches that run a Shipshape executor. */
const cachedTargets = new Map<string, string[]>();
/** Per project: those of them that sign with this workspace's security.yaml (image-sign, and sbom and provenance, which attach). */
const signingTargets = new Map<string, string[]>();
const SIGNING_EXECUTORS = ['image-sign', 'sbom', 'provenance'].map((name) => `${SHIPSHAPE_PREFIX}${name}`);

beforeAll(async () => {
  env = testEnv();
  const fixture = fixtureImage('debian12');
  if (!env.dockerConfigDir || !env.tlsCertDir) throw new Error('the test environment has no DOCKER_CONFIG or certs.d for the TLS registry; re-run tools/test-env/up.sh');
  tlsAuth = { authFile: path.join(env.dockerConfigDir, 'config.json'), certDir: env.tlsCertDir };
  runDir = await mkdtemp(path.join(process.env.SHIPSHAPE_E2E_DIR ?? os.tmpdir(), 'shipshape-e2e-'));
  const runId = path.basename(runDir).slice(-6).toLowerCase().replace(/[^a-z0-9]/g, 'x');

  const keyPassword = `e2e-key-${randomBytes(12).toString('hex')}`;
  remote = await startRemoteCache();
  // Each "machine" has a home of its own: Nx keeps the cache of a git checkout under ~/.nx, shared
  // by every checkout of the same repository on that machine.
  await mkdir(path.join(runDir, 'home-1'));
  const toolEnv = cleanEnv();
  const firstMachine: NodeJS.ProcessEnv = {
    ...toolEnv,
    ...remote.env(),
    HOME: path.join(runDir, 'home-1'),
    COSIGN_PASSWORD: keyPassword,
    E2E_REGISTRY_PASSWORD: env.tlsPassword,
  };

  workspace = await createNxWorkspace(runDir, 'ws1', firstMachine);
  await installTarballs(workspace, await packShipshape(REPO_ROOT, path.join(runDir, 'packs'), toolEnv));

  // Three images with three digests: the fixture's layers, a label of their own.
  projects = [];
  for (const [name, registry] of [['api', 'plain'], ['web', 'plain'], ['worker', 'tls']] as const) {
    const host = registry === 'plain' ? env.registry : env.tlsRegistry;
    const image = `${host}/e2e-${runId}/${name}:1`;
    const digest = await pushImageVariant({
      baseLayout: fixture.layout,
      baseTag: fixture.tag,
      workLayout: path.join(runDir, 'layout'),
      tag: name,
      labels: { 'org.example.service': name },
      destination: image,
      auth: registry === 'tls' ? tlsAuth : undefined,
      env: toolEnv,
    });
    projects.push({ name, root: `apps/${name}`, registry, image, digest });
    await addProject(workspace, name, `apps/${name}`);
  }

  await workspace.generate('@shipshape/nx:init');
  for (const project of projects) await workspace.generate('@shipshape/nx:configuration', [project.name, `--image=${project.image}`]);
  declared = await workspace.declaredExecutors();
  for (const project of projects) {
    const removed = await pruneUndeclaredTargets(workspace, project.root, declared);
    if (removed.length) console.warn(`${project.name}: no executor yet for ${removed.join(', ')}; those targets are left out of this run`);
  }

  await workspace.shipshape(['key', 'generate']);
  await workspace.write('certs/registry-ca.pem', env.tlsCaPem);
  await workspace.write('security.yaml', securityYaml(env.tlsRegistry, declared));
  await workspace.write('.gitignore', `${await readFile(workspace.path('.gitignore'), 'utf8')}\ncosign.key\n`);

  const keyBody = (await readFile(workspace.path('cosign.key'), 'utf8')).split('\n').filter((l) => l && !l.startsWith('-----'));
  secrets = [
    { name: 'COSIGN_PASSWORD', value: keyPassword },
    { name: 'the TLS registry password', value: env.tlsPassword },
    { name: 'the encrypted private key', value: keyBody[0] },
  ];

  // A user's workspace is a git repository from the start (and Nx places its cache by it).
  await workspace.git(['init', '--quiet', '--initial-branch=main']);
  await workspace.git(['add', '-A']);
  await workspace.git(['commit', '--quiet', '-m', 'workspace with Shipshape']);

  for (const project of projects) {
    const targets = await workspace.resolvedTargets(project.name);
    cachedTargets.set(
      project.name,
      Object.entries(targets)
        .filter(([, t]) => t.executor?.startsWith(SHIPSHAPE_PREFIX) && t.cache === true)
        .map(([name]) => name),
    );
    signingTargets.set(
      project.name,
      Object.entries(targets)
        .filter(([, t]) => SIGNING_EXECUTORS.includes(t.executor ?? '') && t.cache === true)
        .map(([name]) => name),
    );
  }
});

afterAll(async () => {
  await remote?.close();
  // SHIPSHAPE_E2E_KEEP=1 keeps the workspaces (and their caches) to look at after a failure.
  if (runDir && !process.env.SHIPSHAPE_E2E_KEEP) await rm(runDir, { recursive: true, force: true });
  else if (runDir) console.warn(`e2e workspaces kept in ${runDir}`);
});

/** Signing with the generated key (both formats), verify, and SBOM/provenance when their executors exist. Fail-closed: nothing fails quietly. */
function securityYaml(tlsRegistry: string, executors: ReadonlySet<string>): string {
  const lines = [
    'security:',
    '  required: true',
    '  signing:',
    '    enabled: true',
    '    key: cosign.key',
    '    format: both',
    '    verify:',
    '      enabled: true',
  ];
  if (executors.has('sbom')) lines.push('  sbom:', '    enabled: true', '    format: cyclonedx-json', '    attach: true');
  if (executors.has('provenance')) lines.push('  provenance:', '    enabled: true');
  lines.push(
    '  registries:',
    `    "${tlsRegistry}":`,
    '      caFile: certs/registry-ca.pem',
    '      username: shipshape',
    '      password: env://E2E_REGISTRY_PASSWORD',
  );
  return `${lines.join('\n')}\n`;
}

async function release(args: readonly string[], what: string, extraEnv: NodeJS.ProcessEnv = {}, on: Workspace = workspace): Promise<NxRun> {
  const result = await on.nx(args, extraEnv);
  outputs.push({ what, text: result.output });
  return result;
}

function shipshapeTasks(result: NxRun, project?: string): NxTask[] {
  return [...result.tasks.values()].filter((t) => (project === undefined || t.project === project) && t.target !== 'release');
}

function cached(project: string): string[] {
  return cachedTargets.get(project) ?? [];
}

async function imageFile(on: Workspace, project: E2eProject): Promise<ImageFile> {
  return on.readJson<ImageFile>(`dist/shipshape/${project.root}/image.json`);
}

function authFor(project: E2eProject): RegistryAuth | undefined {
  return project.registry === 'tls' ? tlsAuth : undefined;
}

async function filesUnder(dir: string): Promise<Record<string, string>> {
  if (!existsSync(dir)) return {};
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: Record<string, string> = {};
  for (const entry of entries.filter((e) => e.isFile())) {
    const file = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, file)] = await readFile(file, 'utf8');
  }
  return files;
}

describe('nx run-many -t release in a fresh workspace', () => {
  it('the generators give every project the Shipshape chain, cached by digest where it may be', async () => {
    for (const project of projects) {
      const targets = await workspace.resolvedTargets(project.name);
      expect(targets['image-digest']).toMatchObject({ executor: '@shipshape/nx:image-digest', cache: false });
      expect(targets.verify).toMatchObject({ executor: '@shipshape/nx:verify', cache: false });
      expect(targets.release).toMatchObject({ executor: 'nx:noop' });
      const expectedCached = ['image-sign', ...['sbom', 'scan', 'provenance'].filter((e) => declared.has(e))];
      expect(cached(project.name).sort()).toEqual(expectedCached.sort());
    }
  });

  it('signs every image; the signatures are in the registry and verify', async () => {
    const result = await release(['run-many', '-t', 'release'], 'first release');
    // Nx batch mode: each executor's tasks of all projects ran in one process, not one process per task.
    expect(result.output).toMatch(new RegExp(`Running ${projects.length} tasks with @shipshape/nx:image-digest`));
    for (const project of projects) {
      const tasks = shipshapeTasks(result, project.name);
      expect(tasks.map((t) => t.target).sort()).toEqual(['image-digest', 'verify', ...cached(project.name)].sort());
      expect(tasks.every((t) => t.outcome === 'ran')).toBe(true);

      const file = await imageFile(workspace, project);
      expect(file.digest).toBe(project.digest);
      const verified = await workspace.shipshape(['image', 'verify', '--image', file.image, '--key', 'cosign.pub', '--output', 'json']);
      const formats = (JSON.parse(verified.stdout) as { verified: { format: string }[] }).verified.map((v) => v.format);
      expect(new Set(formats)).toEqual(new Set(['bundle', 'legacy']));

      // Independently of Shipshape's client: skopeo sees cosign's legacy tag and the referrers fallback tag.
      const hex = project.digest.replace('sha256:', '');
      const tags = await listTags(project.image.replace(/:1$/, ''), cleanEnv(), authFor(project));
      expect(tags).toEqual(expect.arrayContaining([`sha256-${hex}.sig`, `sha256-${hex}`]));
    }
  });

  it('attaches a CycloneDX SBOM attestation that verifies, and keeps the SBOM in the cached output (when the sbom executor exists)', async () => {
    if (!declared.has('sbom')) return console.warn('@shipshape/nx declares no sbom executor: SBOM assertions not run');
    for (const project of projects) {
      const file = await imageFile(workspace, project);
      const attested = await workspace.shipshape(['attest', 'verify', '--image', file.image, '--type', 'cyclonedx', '--key', 'cosign.pub', '--output', 'json']);
      expect((JSON.parse(attested.stdout) as { verified: unknown[] }).verified.length).toBeGreaterThan(0);
      const sboms = Object.values(await filesUnder(workspace.path('dist/shipshape', project.root, 'sbom')))
        .map((text) => {
          try {
            return JSON.parse(text) as { bomFormat?: string; components?: unknown[] };
          } catch {
            return {};
          }
        })
        .filter((doc) => doc.bomFormat === 'CycloneDX');
      expect(sboms.length).toBeGreaterThan(0);
      // The fixture holds 88 dpkg packages and npm packages under /app.
      expect(sboms[0].components?.length ?? 0).toBeGreaterThan(50);
    }
  });

  it('attaches SLSA v1 provenance that verifies (when the provenance executor exists)', async () => {
    if (!declared.has('provenance')) return console.warn('@shipshape/nx declares no provenance executor: provenance assertions not run');
    for (const project of projects) {
      const file = await imageFile(workspace, project);
      const attested = await workspace.shipshape(['attest', 'verify', '--image', file.image, '--type', 'slsaprovenance1', '--key', 'cosign.pub', '--output', 'json']);
      expect((JSON.parse(attested.stdout) as { verified: unknown[] }).verified.length).toBeGreaterThan(0);
    }
  });

  it('run again: every cached Shipshape target is replayed from the cache; image-digest and verify run', async () => {
    const result = await release(['run-many', '-t', 'release'], 'second release');
    for (const project of projects) {
      const expected = Object.fromEntries([
        [`${project.name}:image-digest`, 'ran'],
        [`${project.name}:verify`, 'ran'],
        ...cached(project.name).map((t) => [`${project.name}:${t}`, 'local cache']),
      ]);
      expect(outcomes(result.tasks, (t) => t.project === project.name && t.target !== 'release')).toEqual(expected);
    }
  });

  it('a new image for one project: only that project\'s cached targets run', async () => {
    const api = projects.find((p) => p.name === 'api') as E2eProject;
    const before = await Promise.all(projects.map((p) => imageFile(workspace, p)));
    api.digest = await pushImageVariant({
      baseLayout: fixtureImage('debian12').layout,
      baseTag: fixtureImage('debian12').tag,
      workLayout: path.join(runDir, 'layout'),
      tag: 'api-2',
      labels: { 'org.example.service': 'api', 'org.example.revision': '2' },
      destination: api.image,
      env: cleanEnv(),
    });
    expect(api.digest).not.toBe(before[0].digest);

    const result = await release(['run-many', '-t', 'release'], 'release after a new api image');
    for (const project of projects) {
      const changed = project.name === 'api';
      const expected = Object.fromEntries([
        [`${project.name}:image-digest`, 'ran'],
        [`${project.name}:verify`, 'ran'],
        ...cached(project.name).map((t) => [`${project.name}:${t}`, changed ? 'ran' : 'local cache']),
      ]);
      expect(outcomes(result.tasks, (t) => t.project === project.name && t.target !== 'release')).toEqual(expected);
      expect((await imageFile(workspace, project)).digest).toBe(project.digest);
    }
    const newImage = (await imageFile(workspace, api)).image;
    const verified = await workspace.shipshape(['image', 'verify', '--image', newImage, '--key', 'cosign.pub', '--output', 'json']);
    expect((JSON.parse(verified.stdout) as { verified: unknown[] }).verified.length).toBeGreaterThan(0);
  });

  it('nx affected -t release picks only the project that changed (and re-signs nothing: its image did not change)', async () => {
    await workspace.write('apps/web/src/main.ts', `export const service = 'web';\nexport const version = 2;\n`);
    await workspace.git(['commit', '--quiet', '-am', 'web: a change']);

    const result = await release(['affected', '-t', 'release', '--base=HEAD~1', '--head=HEAD'], 'nx affected');
    const affectedProjects = new Set([...result.tasks.values()].map((t) => t.project));
    expect([...affectedProjects]).toEqual(['web']);
    expect(outcomes(result.tasks, (t) => t.target !== 'release')).toEqual(
      Object.fromEntries([['web:image-digest', 'ran'], ['web:verify', 'ran'], ...cached('web').map((t) => [`web:${t}`, 'local cache'])]),
    );
  });
});

describe('a new signing key', () => {
  it('at the same path: the steps that sign run again, not replayed as signed by the old key; the others replay', async () => {
    await workspace.shipshape(['key', 'generate', '--force']);
    const keyBody = (await readFile(workspace.path('cosign.key'), 'utf8')).split('\n').filter((l) => l && !l.startsWith('-----'));
    secrets.push({ name: 'the new encrypted private key', value: keyBody[0] });

    const result = await release(['run-many', '-t', 'release'], 'release after a key rotation');
    for (const project of projects) {
      const expected = Object.fromEntries([
        [`${project.name}:image-digest`, 'ran'],
        [`${project.name}:verify`, 'ran'],
        ...cached(project.name).map((t) => [`${project.name}:${t}`, signingTargets.get(project.name)?.includes(t) ? 'ran' : 'local cache']),
      ]);
      expect(outcomes(result.tasks, (t) => t.project === project.name && t.target !== 'release')).toEqual(expected);
      // Signed again, by the new key: its public half verifies the image.
      const { image } = await imageFile(workspace, project);
      const verified = await workspace.shipshape(['image', 'verify', '--image', image, '--key', 'cosign.pub', '--output', 'json']);
      expect((JSON.parse(verified.stdout) as { verified: unknown[] }).verified.length).toBeGreaterThan(0);
    }
    expect([...signingTargets.values()].flat().length).toBeGreaterThanOrEqual(projects.length);
  });
});

describe('another machine with an empty local cache, sharing the remote cache', () => {
  let second: Workspace;

  it('restores every cached Shipshape target and its files from the remote cache without running it', async () => {
    expect(remote.stats.stored).toBeGreaterThan(0);
    const hitsBefore = remote.stats.hits;
    // The same checkout on a second machine: everything but Nx's local cache and the outputs.
    const copy = path.join(runDir, 'ws2');
    await run('cp', ['-a', workspace.root, copy], { cwd: runDir, env: workspace.env });
    await rm(path.join(copy, '.nx'), { recursive: true, force: true });
    await rm(path.join(copy, 'dist'), { recursive: true, force: true });
    await mkdir(path.join(runDir, 'home-2'));
    second = new Workspace(copy, { ...workspace.env, HOME: path.join(runDir, 'home-2') });

    const result = await release(['run-many', '-t', 'release'], 'release on the second machine', {}, second);
    for (const project of projects) {
      const expected = Object.fromEntries([
        [`${project.name}:image-digest`, 'ran'],
        [`${project.name}:verify`, 'ran'],
        ...cached(project.name).map((t) => [`${project.name}:${t}`, 'remote cache']),
      ]);
      expect(outcomes(result.tasks, (t) => t.project === project.name && t.target !== 'release')).toEqual(expected);
      // Every file the first machine has for the project is restored, byte for byte.
      const first = await filesUnder(workspace.path('dist/shipshape', project.root));
      expect(Object.keys(first).length).toBeGreaterThan(1);
      expect(await filesUnder(second.path('dist/shipshape', project.root))).toEqual(first);
    }
    const totalCached = projects.reduce((n, p) => n + cached(p.name).length, 0);
    expect(remote.stats.hits - hitsBefore).toBeGreaterThanOrEqual(totalCached);
  });

  it('nothing secret is in what was cached, locally or remotely, nor in what Nx printed', async () => {
    expect(remote.entries.size).toBeGreaterThan(0);
    const findings = [...remote.entries].flatMap(([hash, artifact]) => findSecretsIn(artifact, `remote cache entry ${hash}`, secrets));
    const nxState = [path.join(runDir, 'home-1', '.nx'), path.join(runDir, 'home-2', '.nx'), workspace.path('.nx'), second.path('.nx')];
    for (const dir of [...nxState, workspace.path('dist'), second.path('dist')]) {
      const scanned = await findSecretsInTree(dir, secrets);
      expect(scanned.files).toBeGreaterThan(0);
      findings.push(...scanned.findings);
    }
    for (const { what, text } of outputs) findings.push(...findSecretsIn(Buffer.from(text), `output of ${what}`, secrets));
    expect(findings).toEqual([]);
  });
});
