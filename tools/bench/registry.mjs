#!/usr/bin/env node
/**
 * Registry client benchmark (figures, not a test): our RegistryClient next to skopeo doing the same
 * work against the same loopback registry, in one run. Run through tools/bench/registry.sh, which
 * builds packages/core, starts a private test environment and stops it afterwards.
 *
 *   (a) resolve: tag → digest, N times
 *       - ours in one process (HEAD with the manifest Accept list) vs skopeo inspect per call;
 *       - per call for both (a process each: what a shell script pays), with the bare process-start
 *         cost of each shown so it can be subtracted;
 *       - one process for both: N tags of a tiny image copied to dir (skopeo sync vs ours).
 *   (b) pull: a synthetic image (L random layers of M MiB) — ours streamed and verified to /dev/null
 *       and to files, skopeo copy to dir: — MiB/s and wall time, median of R runs.
 *
 * Options: --resolves N (200) --layers L (3) --layer-mib M (50) --runs R (3)
 * Needs: SHIPSHAPE_TEST_REGISTRY (the plain registry), SHIPSHAPE_TEST_ENV_DIR, skopeo on PATH,
 * packages/core/dist built.
 */
/* global process, console, Buffer */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = path.join(ROOT, 'packages', 'core', 'dist');
const require = createRequire(import.meta.url);
const { RegistryClient } = require(path.join(DIST, 'oci', 'registry', 'client.js'));
const { RegistryRepository } = require(path.join(DIST, 'oci', 'registry', 'repository.js'));

const { values: opts } = parseArgs({
  options: {
    resolves: { type: 'string', default: '200' },
    layers: { type: 'string', default: '3' },
    'layer-mib': { type: 'string', default: '50' },
    runs: { type: 'string', default: '3' },
  },
});
const N = Number(opts.resolves);
const LAYERS = Number(opts.layers);
const LAYER_BYTES = Number(opts['layer-mib']) * 1024 * 1024;
const RUNS = Number(opts.runs);

const HOST = process.env.SHIPSHAPE_TEST_REGISTRY;
const ENV_DIR = process.env.SHIPSHAPE_TEST_ENV_DIR;
if (!HOST || !ENV_DIR) {
  console.error('registry bench: SHIPSHAPE_TEST_REGISTRY / SHIPSHAPE_TEST_ENV_DIR are not set; run it through tools/bench/registry.sh');
  process.exit(2);
}
const POLICY = path.join(ENV_DIR, 'containers', 'policy.json');
const SKOPEO_ENV = { ...process.env, CONTAINERS_REGISTRIES_CONF: path.join(ENV_DIR, 'containers', 'registries.conf') };
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const CONFIG = 'application/vnd.oci.image.config.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

const client = new RegistryClient({ env: { HOME: '/nonexistent' } });
const repo = (name) => new RegistryRepository(client, HOST, name);
const sha256 = (data) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const now = () => process.hrtime.bigint();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x, digits = 1) => x.toFixed(digits).padStart(8);

async function pushImage(repository, tag, layerSizes) {
  const store = repo(repository);
  const layers = layerSizes.map((size) => randomBytes(size));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map(sha256) }, config: {} }));
  const configDesc = await store.putBlob(config, CONFIG);
  const layerDescs = [];
  for (const layer of layers) layerDescs.push(await store.putBlob(layer, LAYER));
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config: configDesc, layers: layerDescs }));
  const descriptor = await store.putManifest(manifest, MANIFEST, tag);
  return { descriptor, manifest, bytes: config.length + layers.reduce((a, l) => a + l.length, 0) };
}

/** Runs a command N times, one after another, checking each output; returns the total ms. */
function runTimes(times, command, args, check, env = process.env) {
  const t0 = now();
  for (let i = 0; i < times; i++) {
    const result = spawnSync(command, args, { encoding: 'utf8', env });
    if (result.status !== 0 || (check && !check(result.stdout))) {
      throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
    }
  }
  return ms(t0);
}

function runOnce(command, args, env = process.env) {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => (code === 0 ? resolve(ms(t0)) : reject(new Error(`${command} ${args.join(' ')} failed (${code}): ${stderr}`))));
  });
}

/** Our pull: resolve, manifest, then config and layers in parallel, each streamed and verified to `sink`. */
async function pullOurs(repository, tag, sinkFor) {
  const store = repo(repository);
  const { manifest } = await store.getManifest(tag);
  let bytes = 0;
  await Promise.all(
    [manifest.config, ...manifest.layers].map(async (d) => {
      await pipeline(await store.openBlob(d), sinkFor(d));
      bytes += d.size;
    }),
  );
  return bytes;
}
const devNull = () =>
  new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });

function row(label, totalMs, count, unit = 'op') {
  console.log(`  ${label.padEnd(58)} ${fmt(totalMs / count, 2)} ms/${unit}  ${fmt((count * 1000) / totalMs, 0)} ${unit}/s   (${count} in ${(totalMs / 1000).toFixed(2)} s)`);
}

async function main() {
  const work = await mkdtemp(path.join(tmpdir(), 'shipshape-bench-'));
  try {
    console.log(`registry ${HOST} (loopback, plain HTTP); node ${process.version}; ${spawnSync('skopeo', ['--version'], { encoding: 'utf8' }).stdout.trim()}`);

    // ---------------------------------------------------------------- (a) resolve
    const small = await pushImage('bench/small', 'v1', [1024]);
    const ref = `${HOST}/bench/small:v1`;
    const digest = small.descriptor.digest;
    const isDigest = (out) => out.trim() === digest;
    const smallRepo = repo('bench/small');
    for (let i = 0; i < 20; i++) await smallRepo.resolve('v1'); // warm-up

    console.log(`\n(a) resolve ${ref} → digest, N=${N}`);
    let t0 = now();
    for (let i = 0; i < N; i++) if ((await smallRepo.resolve('v1')).digest !== digest) throw new Error('wrong digest');
    const oursInProcess = ms(t0);
    row('ours, one process (HEAD)', oursInProcess, N);

    const skopeoArgs = ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${ref}`];
    runTimes(5, 'skopeo', skopeoArgs, isDigest, SKOPEO_ENV);
    const skopeoPerCall = runTimes(N, 'skopeo', skopeoArgs, isDigest, SKOPEO_ENV);
    row('skopeo inspect --format {{.Digest}}, a process per call', skopeoPerCall, N);

    const oneShot = `
      const { RegistryClient } = require(${JSON.stringify(path.join(DIST, 'oci', 'registry', 'client.js'))});
      const { RegistryRepository } = require(${JSON.stringify(path.join(DIST, 'oci', 'registry', 'repository.js'))});
      const c = new RegistryClient();
      new RegistryRepository(c, process.argv[1], process.argv[2]).resolve(process.argv[3]).then((d) => { process.stdout.write(d.digest); c.close(); });`;
    const oursPerCall = runTimes(N, process.execPath, ['-e', oneShot, HOST, 'bench/small', 'v1'], isDigest);
    row('ours (library), a node process per call', oursPerCall, N);

    const cli = path.join(ROOT, 'packages', 'core', 'bin', 'shipshape.js');
    let oursCliPerCall;
    try {
      oursCliPerCall = runTimes(N, process.execPath, [cli, 'image', 'digest', '--image', ref], isDigest);
      row('ours, `shipshape image digest` per call', oursCliPerCall, N);
    } catch (error) {
      console.log(`  ours, shipshape image digest per call: skipped (${String(error.message).split('\n')[0]})`);
    }

    const skopeoStart = runTimes(N, 'skopeo', ['--version'], undefined, SKOPEO_ENV);
    const nodeStart = runTimes(N, process.execPath, ['-e', '0']);
    row('  process start only: skopeo --version', skopeoStart, N);
    row('  process start only: node -e 0', nodeStart, N);
    console.log(`  per-call work after process start: skopeo ${((skopeoPerCall - skopeoStart) / N).toFixed(2)} ms, ours ${((oursPerCall - nodeStart) / N).toFixed(2)} ms`);

    // One process each, N resolutions: skopeo has no batch inspect, so both copy N tags of the tiny
    // image to a directory (skopeo sync): resolve + manifest + config + layer per tag.
    const tags = Array.from({ length: N }, (_, i) => `t${String(i).padStart(4, '0')}`);
    for (const tag of tags) await smallRepo.putManifest(small.manifest, MANIFEST, tag);
    const syncDir = path.join(work, 'sync-skopeo');
    await mkdir(syncDir);
    const skopeoSync = await runOnce(
      'skopeo',
      ['sync', '--src', 'docker', '--dest', 'dir', '--src-tls-verify=false', '--policy', POLICY, `${HOST}/bench/small`, syncDir],
      SKOPEO_ENV,
    );
    const copied = (await readdir(syncDir, { recursive: true })).filter((f) => f.endsWith('manifest.json')).length;
    const oursDir = path.join(work, 'sync-ours');
    t0 = now();
    for (const tag of [...(await smallRepo.listTags())]) {
      const dir = path.join(oursDir, tag);
      await mkdir(dir, { recursive: true });
      const resolved = await smallRepo.resolve(tag);
      const { manifest, bytes } = await smallRepo.getManifest(resolved.digest);
      await writeFile(path.join(dir, 'manifest.json'), bytes);
      for (const d of [manifest.config, ...manifest.layers]) await pipeline(await smallRepo.openBlob(d), createWriteStream(path.join(dir, d.digest.slice(7))));
    }
    const oursSync = ms(t0);
    console.log(`\n(a2) one process, every tag of the tiny image copied to a directory (${N + 1} tags)`);
    row('ours (resolve + manifest + blobs, sequential)', oursSync, N + 1, 'tag');
    row(`skopeo sync --src docker --dest dir (${copied} copied)`, skopeoSync, copied, 'tag');

    // ---------------------------------------------------------------- (b) pull
    const mib = LAYER_BYTES / 1024 / 1024;
    console.log(`\n(b) pull: ${LAYERS} random layers × ${mib} MiB, median of ${RUNS} runs (after one warm-up)`);
    let tPush = now();
    const big = await pushImage('bench/big', 'v1', Array.from({ length: LAYERS }, () => LAYER_BYTES));
    const pushMs = ms(tPush);
    const total = big.bytes;
    const totalMiB = total / 1024 / 1024;
    console.log(`  (setup: pushed ${totalMiB.toFixed(1)} MiB with our client in ${(pushMs / 1000).toFixed(2)} s, ${(totalMiB / (pushMs / 1000)).toFixed(0)} MiB/s)`);
    await pullOurs('bench/big', 'v1', devNull); // warm-up: registry page cache, connections

    const results = { 'ours → /dev/null (streamed, verified)': [], 'ours → files (streamed, verified)': [], 'skopeo copy → dir:': [] };
    for (let run = 0; run < RUNS; run++) {
      t0 = now();
      if ((await pullOurs('bench/big', 'v1', devNull)) !== total) throw new Error('short pull');
      results['ours → /dev/null (streamed, verified)'].push(ms(t0));

      const ourDir = path.join(work, `pull-ours-${run}`);
      await mkdir(ourDir);
      t0 = now();
      await pullOurs('bench/big', 'v1', (d) => createWriteStream(path.join(ourDir, d.digest.slice(7))));
      results['ours → files (streamed, verified)'].push(ms(t0));
      await rm(ourDir, { recursive: true });

      const skopeoDir = path.join(work, `pull-skopeo-${run}`);
      const took = await runOnce('skopeo', ['copy', '--src-tls-verify=false', '--policy', POLICY, `docker://${HOST}/bench/big:v1`, `dir:${skopeoDir}`], SKOPEO_ENV);
      const written = (await Promise.all((await readdir(skopeoDir)).map(async (f) => (await stat(path.join(skopeoDir, f))).size))).reduce((a, b) => a + b, 0);
      if (written < total) throw new Error(`skopeo wrote ${written} of ${total} bytes`);
      results['skopeo copy → dir:'].push(took);
      await rm(skopeoDir, { recursive: true });
    }
    for (const [label, times] of Object.entries(results)) {
      const m = median(times);
      console.log(`  ${label.padEnd(40)} ${fmt(m / 1000, 3)} s  ${fmt(totalMiB / (m / 1000), 0)} MiB/s   (runs: ${times.map((t) => (t / 1000).toFixed(3)).join(', ')} s)`);
    }
  } finally {
    client.close();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`registry bench failed: ${error?.describe?.() ?? error?.stack ?? error}`);
  process.exit(1);
});
