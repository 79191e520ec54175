#!/usr/bin/env node
/**
 * One measured run of the SBOM benchmark, in its own process (so its wall time and peak RSS are its own):
 *   floor  REF [DIGESTS]        read every layer blob (digest-verified by the store) and decompress it,
 *                               discarding the bytes: the least any cataloger must do. One layer after
 *                               the other. DIGESTS (comma-separated) limits it to those layers.
 *   floor-parallel REF [DIGESTS]  the same with every layer at once (the native generator reads
 *                               several layers at a time, so this is the fair bar for it).
 * Both decompress as the walker does: input joined into 1 MiB chunks, zlib's output in 1 MiB chunks.
 *   native REF CACHE_DIR OUT    the native generator (layer walker + catalogers + CycloneDX writer).
 * Prints one JSON line: what was done (bytes, packages), so the runner can check the runs did real work.
 */
/* global Buffer, process, console */
import { createRequire } from 'node:module';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { writeFile } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = path.join(ROOT, 'packages', 'core', 'dist');
// Resolved as packages/core resolves its own dependencies (hoisted or not).
const require = createRequire(path.join(ROOT, 'packages', 'core', 'package.json'));
const { openImage } = require(path.join(DIST, 'oci', 'open.js'));
const { isIndex } = require(path.join(DIST, 'oci', 'manifest.js'));
const fzstd = require('fzstd');

const [mode, ref, cacheDir, output] = process.argv.slice(2);

/** A writable that counts and drops. */
function sink() {
  let bytes = 0;
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      bytes += chunk.length;
      callback();
    },
  });
  return { stream, bytes: () => bytes };
}

/** zstd through fzstd's streaming decompressor (what the walker uses), as a Writable-friendly pipe step. */
async function* zstdChunks(source) {
  const chunks = [];
  const decompressor = new fzstd.Decompress((chunk) => chunks.push(chunk));
  for await (const chunk of source) {
    decompressor.push(chunk);
    while (chunks.length) yield chunks.shift();
  }
  decompressor.push(new Uint8Array(0), true);
  while (chunks.length) yield chunks.shift();
}

/** The walker's chunk size (packages/core/src/sbom/walker/layer-stream.ts), so the floor decompresses as it does. */
const DECOMPRESS_CHUNK = require(path.join(DIST, 'sbom', 'walker', 'layer-stream.js')).DECOMPRESS_CHUNK ?? 1024 * 1024;

/** Joins the store's small reads into DECOMPRESS_CHUNK-sized chunks, as the walker does before zlib. */
async function* coalesced(source) {
  let chunks = [];
  let length = 0;
  for await (const chunk of source) {
    chunks.push(chunk);
    length += chunk.length;
    if (length >= DECOMPRESS_CHUNK) {
      yield Buffer.concat(chunks, length);
      chunks = [];
      length = 0;
    }
  }
  if (length > 0) yield Buffer.concat(chunks, length);
}

async function floorLayer(store, layer) {
  const blob = await store.openBlob(layer);
  const out = sink();
  if (layer.mediaType.endsWith('+zstd')) await pipeline(blob, zstdChunks, out.stream);
  else if (layer.mediaType.endsWith('gzip')) await pipeline(blob, coalesced, createGunzip({ chunkSize: DECOMPRESS_CHUNK }), out.stream);
  else await pipeline(blob, out.stream);
  return out.bytes();
}

async function floor(parallel) {
  const opened = openImage(ref);
  const { manifest } = await opened.store.getManifest(opened.tagOrDigest);
  if (isIndex(manifest)) throw new Error('the floor measures one image manifest, not an index');
  const only = cacheDir ? new Set(cacheDir.split(',')) : undefined;
  const layers = manifest.layers.filter((l) => !only || only.has(l.digest));
  const sizes = [];
  if (parallel) sizes.push(...(await Promise.all(layers.map((layer) => floorLayer(opened.store, layer)))));
  else for (const layer of layers) sizes.push(await floorLayer(opened.store, layer));
  return { layers: layers.length, compressed: layers.reduce((sum, l) => sum + l.size, 0), uncompressed: sizes.reduce((sum, n) => sum + n, 0) };
}

async function native() {
  const { generateImageSboms } = require(path.join(DIST, 'sbom', 'image-sbom.js'));
  const { createLogger } = require(path.join(DIST, 'exec', 'logger.js'));
  const logger = createLogger({ sink: { write: () => {} } });
  const [sbom] = await generateImageSboms(openImage(ref), { format: 'cyclonedx-json', tool: 'native', logger, env: process.env, cacheDir });
  await writeFile(output, sbom.document);
  return { packages: sbom.packages, warnings: sbom.warnings.length, bytes: sbom.document.length };
}

const started = process.hrtime.bigint();
const modes = { floor: () => floor(false), 'floor-parallel': () => floor(true), native };
const result = modes[mode] ? await modes[mode]() : undefined;
if (!result) {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
console.log(JSON.stringify({ mode, ...result, inProcessMs: Math.round(wallMs), maxRssKiB: process.resourceUsage().maxRSS }));
