/* global process, console */
// Release benchmark (run by tools/bench/release.sh, which starts a private test environment): the
// release of N services (default 9) — sign + SBOM (attached) + provenance as the issue defines it, then
// the generated default chain that also verifies, native engine, images in the loopback registry — with
// `nx run-many -t release`, cold (empty Nx cache, nothing signed) and warm (every cached target
// replayed), against the same `nx run-many` with the security targets removed.
//   node tools/bench/release.mjs [--services 9] [--parallel 3]
// The workspace stays in tmp/bench-release (SHIPSHAPE_BENCH_DIR) to look at; its node_modules are reused.
import { readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildServiceImages } from '../demo/images.mjs';
import {
  commitWorkspace,
  declaredExecutors,
  generateKey,
  installWorkspace,
  newKeyPassword,
  nxBin,
  parseNxTasks,
  pruneUndeclaredTargets,
  run,
  runGenerators,
  workspaceEnv,
  writeWorkspaceFiles,
} from '../demo/workspace.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NAMES = ['api', 'web', 'worker', 'auth', 'billing', 'search', 'notify', 'gateway', 'reports', 'media', 'orders', 'users'];
const COLD_TARGET_S = 20;
const WARM_TARGET_S = 3;

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const count = option('services', 9);
const parallel = option('parallel', 3);
const services = Array.from({ length: count }, (_, i) => (i < NAMES.length ? NAMES[i] : `svc-${i + 1}`));
const registry = process.env.SHIPSHAPE_TEST_REGISTRY;
if (!registry) {
  console.error('SHIPSHAPE_TEST_REGISTRY is not set: run this through tools/bench/release.sh (it starts a private registry)');
  process.exit(2);
}
const ROOT = path.resolve(REPO_ROOT, process.env.SHIPSHAPE_BENCH_DIR ?? 'tmp/bench-release');

const SECURITY_YAML = `security:
  required: true
  signing:
    enabled: true
    key: cosign.key
    verify:
      enabled: true
      key: cosign.pub
  sbom:
    enabled: true
    format: cyclonedx-json
    attach: true
  provenance:
    enabled: true
`;

/** One timed `nx run-many -t release`; Nx's task profile (NX_PROFILE) gives each task's wall time. */
async function timedRelease(env, name) {
  const profile = path.join('.nx', `profile-${name}.json`);
  const started = performance.now();
  const result = await run(nxBin(ROOT), ['run-many', '-t', 'release', `--parallel=${parallel}`, '--outputStyle=static'], { cwd: ROOT, env: { ...env, NX_PROFILE: profile } });
  const seconds = (performance.now() - started) / 1000;
  const events = JSON.parse(await readFile(path.join(ROOT, profile), 'utf8')).filter((e) => e.ph === 'X');
  return { seconds, tasks: parseNxTasks(result.output), durations: events.map((e) => ({ target: e.args.target.target, ms: e.dur / 1000 })) };
}

/** `image-digest 1.2 s, sbom 2.3 s`: mean wall time per target of the tasks that ran (not replayed). */
function perTarget(run) {
  const ran = new Set(run.tasks.filter((t) => t.outcome === 'ran').map((t) => t.target));
  const sums = new Map();
  for (const { target, ms } of run.durations.filter((d) => ran.has(d.target))) {
    const [total, n] = sums.get(target) ?? [0, 0];
    sums.set(target, [total + ms, n + 1]);
  }
  return [...sums].map(([target, [total, n]]) => `${target} ${(total / n / 1000).toFixed(1)} s`).join(', ');
}

/** The graph is computed before each timed run, so every figure is the release's cost, not the project graph's. */
async function warmGraph(env) {
  await run(nxBin(ROOT), ['show', 'projects'], { cwd: ROOT, env });
}

/** Pushes every service's image under a fresh repository prefix: new images to the registry, nothing signed yet. */
async function pushImages(layouts, env) {
  const repoPrefix = `bench-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const images = [];
  for (const { service, layout } of layouts) {
    const image = `${registry}/${repoPrefix}/${service}:1`;
    await run('skopeo', ['copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout}:1`, `docker://${image}`], { cwd: ROOT, env });
    images.push({ service, image });
  }
  return images;
}

/**
 * Rewrites the projects for one variant: their image (fresh repositories, so the cold run really
 * signs and attaches), without the targets in `drop` (scan always: it needs grype or trivy).
 */
async function configureProjects(projectFiles, generated, images, drop) {
  for (const [i, file] of projectFiles.entries()) {
    const project = JSON.parse(generated[i]);
    project.targets['image-digest'].options = { ...project.targets['image-digest'].options, image: images[i].image };
    for (const name of drop) delete project.targets[name];
    for (const target of Object.values(project.targets)) if (target.dependsOn) target.dependsOn = target.dependsOn.filter((d) => !drop.includes(d));
    await writeFile(file, `${JSON.stringify(project, null, 2)}\n`);
  }
}

/** Cold (nothing in Nx's cache, nothing signed yet) then warm (every cacheable task replayed). */
async function coldAndWarm(env, name) {
  await rm(path.join(ROOT, '.nx'), { recursive: true, force: true });
  await rm(path.join(ROOT, 'dist'), { recursive: true, force: true });
  await warmGraph(env);
  const cold = await timedRelease(env, `${name}-cold`);
  // Warm runs take a few seconds, so a neighbour's load moves them a lot: the median of three.
  const warms = [];
  for (let i = 1; i <= WARM_RUNS; i++) {
    await warmGraph(env);
    warms.push(await timedRelease(env, `${name}-warm-${i}`));
  }
  return { cold, warm: median(warms) };
}

const WARM_RUNS = 3;
const median = (runs) => [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)];

async function main() {
  const env = workspaceEnv(ROOT, { COSIGN_PASSWORD: newKeyPassword() });
  console.error(`setting up ${count} services in ${path.relative(process.cwd(), ROOT)} ...`);
  await installWorkspace({ root: ROOT, repoRoot: REPO_ROOT, name: 'shipshape-release-bench', env });
  await writeWorkspaceFiles(ROOT, services);
  const layouts = await buildServiceImages({ workspaceRoot: ROOT, imagesDir: path.join(ROOT, 'images'), services });
  await runGenerators(ROOT, await pushImages(layouts, env), env);
  const declared = await declaredExecutors(ROOT);
  const dropped = await pruneUndeclaredTargets(ROOT, services, declared);
  await generateKey(ROOT, env);
  await writeFile(path.join(ROOT, 'security.yaml'), SECURITY_YAML);
  await commitWorkspace(ROOT, env);
  const projectFiles = services.map((s) => path.join(ROOT, 'services', s, 'project.json'));
  const generated = await Promise.all(projectFiles.map((f) => readFile(f, 'utf8')));
  const steps = ['image-sign', 'sbom', 'provenance'].filter((s) => declared.has(s));

  // The release as issue #8 defines the benchmark (sign + SBOM + provenance), then the generator's
  // whole default chain, which also verifies every image (never cached: it runs on warm runs too).
  const variants = [
    { label: `${steps.join(' + ')}`, drop: ['scan', 'verify'] },
    { label: `${steps.join(' + ')} + verify (the generated default chain)`, drop: ['scan'] },
  ];
  const results = [];
  for (const [i, variant] of variants.entries()) {
    // The first variant uses the images the generators were given; the next one fresh copies, unsigned.
    const images = i === 0 ? generated.map((text, j) => ({ service: services[j], image: JSON.parse(text).targets['image-digest'].options.image })) : await pushImages(layouts, env);
    await configureProjects(projectFiles, generated, images, variant.drop);
    results.push({ ...variant, ...(await coldAndWarm(env, `v${i + 1}`)) });
  }

  // Baseline: the same command over the same projects with the security targets removed.
  let baseline;
  try {
    for (const file of projectFiles) {
      const project = JSON.parse(await readFile(file, 'utf8'));
      project.targets = { release: { executor: 'nx:noop' } };
      await writeFile(file, `${JSON.stringify(project, null, 2)}\n`);
    }
    await warmGraph(env);
    await timedRelease(env, 'baseline-0'); // the first run after a graph change also writes Nx's task history
    const runs = [];
    for (let i = 1; i <= WARM_RUNS; i++) runs.push(await timedRelease(env, `baseline-${i}`));
    baseline = median(runs);
  } finally {
    await Promise.all(projectFiles.map((f, i) => writeFile(f, generated[i])));
  }

  const byTarget = (tasks) => Object.entries(tasks.reduce((acc, t) => ({ ...acc, [t.target]: (acc[t.target] ?? 0) + 1 }), {})).map(([t, n]) => `${n} ${t}`).join(', ');
  const s = (x) => `${x.toFixed(1).padStart(5)} s`;
  const verdict = (x, limit) => (x < limit ? `target < ${limit} s: met` : `target < ${limit} s: MISSED`);

  console.log(`release of ${count} services, native engine, loopback registry ${registry}`);
  console.log(`nx run-many -t release --parallel=${parallel} on ${os.cpus().length} CPUs, Node ${process.version}${dropped.length ? ` (no executor yet for: ${dropped.join(', ')})` : ''}`);
  for (const { label, cold, warm } of results) {
    const cachedTasks = warm.tasks.filter((t) => steps.includes(t.target));
    const missed = cachedTasks.filter((t) => t.outcome === 'ran');
    const ranCold = cold.tasks.filter((t) => t.outcome === 'ran');
    const uncached = warm.tasks.length - cachedTasks.length;
    console.log(`${label}:`);
    console.log(`  cold      ${s(cold.seconds)}  ${ranCold.length} tasks ran (${byTarget(ranCold)})   ${verdict(cold.seconds, COLD_TARGET_S)}`);
    console.log(`  warm      ${s(warm.seconds)}  (median of ${WARM_RUNS}) ${cachedTasks.length - missed.length}/${cachedTasks.length} cached tasks replayed; ${uncached} ran (never cached: ${byTarget(warm.tasks.filter((t) => !steps.includes(t.target)))})   ${verdict(warm.seconds, WARM_TARGET_S)}`);
    console.log(`  mean wall time per task that ran — cold: ${perTarget(cold)}; warm: ${perTarget(warm)}`);
    console.log(`  Shipshape overhead: cold +${(cold.seconds - baseline.seconds).toFixed(1)} s (${((cold.seconds - baseline.seconds) / count).toFixed(2)} s per service), warm +${(warm.seconds - baseline.seconds).toFixed(1)} s`);
    if (missed.length) {
      console.log(`  cache misses on the warm run: ${missed.map((t) => `${t.project}:${t.target}`).join(', ')}`);
      process.exitCode = 1;
    }
  }
  console.log(`baseline    ${s(baseline.seconds)}  the same nx run-many with the security targets removed (Nx's own floor; median of ${WARM_RUNS})`);
}

main().catch((error) => {
  console.error(`release benchmark failed: ${error.message}`);
  process.exitCode = 1;
});
