#!/usr/bin/env node
/**
 * One measured run of the SBOM benchmark, in its own process (so its wall time and peak RSS are its own):
 *   floor  REF [DIGESTS]        read every layer blob (digest-verified by the store) and decompress it,
 *                               discarding the bytes: the least any cataloger must do. DIGESTS
 *                               (comma-separated) limits it to those layers.
 *   native REF CACHE_DIR OUT    the native generator (layer walker + catalogers + CycloneDX writer).
 * Prints one JSON line: what was done (bytes, packages), so the runner can check the runs did real work.
 */
/* global process, console */
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

async function floor() {
  const opened = openImage(ref);
  const { manifest } = await opened.store.getManifest(opened.tagOrDigest);
  if (isIndex(manifest)) throw new Error('the floor measures one image manifest, not an index');
  const only = cacheDir ? new Set(cacheDir.split(',')) : undefined;
  const layers = manifest.layers.filter((l) => !only || only.has(l.digest));
  let compressed = 0;
  let uncompressed = 0;
  for (const layer of layers) {
    const blob = await opened.store.openBlob(layer);
    const out = sink();
    if (layer.mediaType.endsWith('+zstd')) await pipeline(blob, zstdChunks, out.stream);
    else if (layer.mediaType.endsWith('gzip')) await pipeline(blob, createGunzip(), out.stream);
    else await pipeline(blob, out.stream);
    compressed += layer.size;
    uncompressed += out.bytes();
  }
  return { layers: layers.length, compressed, uncompressed };
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
const result = mode === 'floor' ? await floor() : mode === 'native' ? await native() : undefined;
if (!result) {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
console.log(JSON.stringify({ mode, ...result, inProcessMs: Math.round(wallMs), maxRssKiB: process.resourceUsage().maxRSS }));
