/**
 * Builds the SBOM benchmark's images as one OCI image layout (deterministic: a seeded generator, fixed
 * times), from the Debian 12 test fixture:
 *
 *   tag "big":    base (fixture dpkg + os-release) | system (dpkg copyright files, libraries, binaries)
 *                 | node_modules (N npm packages) | fixture /app (real npm packages) | two large binaries
 *   tag "second": base | system (the same two layers, shared) | its own node_modules (N/6 packages)
 *   tag "own":    the second image's own layer alone (the yardstick for a warm cache)
 *
 * The second image is what a warm layer cache is measured on: only its own layer should cost.
 * Usage (library): buildBenchImages({ fixtureLayout, outDir, npmPackages, binaryMiB }).
 */
/* global Buffer, process */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(ROOT, 'packages', 'core', 'package.json'));
const tar = require('tar-stream');

const MTIME = new Date(1700000000 * 1000);
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const CONFIG = 'application/vnd.oci.image.config.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** mulberry32: a small seeded generator, so the images are the same on every run. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bytes that compress about as well as executables do (~2.5x): random runs between repeated ones. */
function binaryLike(size, random) {
  const out = Buffer.alloc(size);
  const dictionary = Buffer.from('\x00\x00\x00\x00\x48\x89\xe5\x41\x57\x41\x56\x53\x48\x83\xec\x18\xe8\x00\x00\x00\x00\xc3GLIBC_2.34\x00libc.so.6\x00');
  for (let offset = 0; offset < size; ) {
    const run = Math.min(size - offset, 64 + Math.floor(random() * 448));
    if (random() < 0.35) {
      for (let i = 0; i < run; i += 4) out.writeUInt32LE(Math.floor(random() * 0xffffffff), offset + i <= size - 4 ? offset + i : size - 4);
    } else {
      for (let i = 0; i < run; i++) out[offset + i] = dictionary[(offset + i) % dictionary.length];
    }
    offset += run;
  }
  return out;
}

function incompressible(size, random) {
  const out = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) out.writeUInt32LE(Math.floor(random() * 0xffffffff), i);
  return out;
}

function sha256(data) {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function putBlob(layout, data) {
  const digest = sha256(data);
  await writeFile(path.join(layout, 'blobs', 'sha256', digest.slice(7)), data);
  return { digest, size: data.length };
}

/** Writes a gzip layer from `entries` (async generator of [header, Buffer]); returns descriptor + diff ID. */
async function writeLayer(layout, entries) {
  const pack = tar.pack();
  const uncompressed = createHash('sha256');
  const compressed = createHash('sha256');
  let size = 0;
  const temp = path.join(layout, 'blobs', `.layer-${process.pid}-${Date.now()}`);
  const feeding = (async () => {
    for await (const [header, body] of entries) {
      await new Promise((resolve, reject) => pack.entry({ mtime: MTIME, uid: 0, gid: 0, ...header }, body, (error) => (error ? reject(error) : resolve())));
    }
    pack.finalize();
  })();
  const tap = (hash, count) =>
    new Transform({
      transform(chunk, _encoding, callback) {
        hash.update(chunk);
        if (count) size += chunk.length;
        callback(null, chunk);
      },
    });
  await Promise.all([pipeline(pack, tap(uncompressed, false), createGzip({ level: 6 }), tap(compressed, true), createWriteStream(temp)), feeding]);
  const digest = `sha256:${compressed.digest('hex')}`;
  await rename(temp, path.join(layout, 'blobs', 'sha256', digest.slice(7)));
  return { descriptor: { mediaType: LAYER, digest, size }, diffId: `sha256:${uncompressed.digest('hex')}` };
}

const dir = (name) => [{ name, type: 'directory', mode: 0o755 }, undefined];
const file = (name, body, mode = 0o644) => [{ name, type: 'file', mode, size: body.length }, body];

/** /usr/share/doc/<pkg>/copyright for every fixture package, shared libraries and /usr/bin programs. */
async function* systemLayer(dpkgStatus, random) {
  const names = [...dpkgStatus.matchAll(/^Package: (.+)$/gm)].map((m) => m[1]);
  yield dir('usr/');
  yield dir('usr/share/');
  yield dir('usr/share/doc/');
  for (const name of names) {
    yield dir(`usr/share/doc/${name}/`);
    const text = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: ${name}\n\nFiles: *\nCopyright: 1999-2023 The ${name} authors\nLicense: GPL-2+\n\nFiles: debian/*\nLicense: GPL-2+\n\nLicense: GPL-2+\n This program is free software; you can redistribute it and/or modify it under the terms of the GNU General Public License.\n`;
    yield file(`usr/share/doc/${name}/copyright`, Buffer.from(text));
  }
  yield dir('usr/lib/');
  yield dir('usr/lib/x86_64-linux-gnu/');
  for (let i = 0; i < 1500; i++) {
    yield file(`usr/lib/x86_64-linux-gnu/lib${i.toString(36)}.so.${i % 7}`, binaryLike(4096 + Math.floor(random() * 96 * 1024), random), 0o755);
  }
  yield dir('usr/bin/');
  for (let i = 0; i < 300; i++) {
    yield file(`usr/bin/tool-${i}`, binaryLike(16 * 1024 + Math.floor(random() * 256 * 1024), random), 0o755);
  }
}

const WORDS = 'the of and to in is for that with as on by this be are from or it an at which can use not when if value option module function return default object array string number error callback promise stream buffer request response server client config data event emit listener handler parse format encode decode'.split(' ');

/** Prose that compresses like real READMEs (~3x), not like one repeated sentence. */
function words(count, random) {
  const out = [];
  for (let i = 0; i < count; i++) out.push(WORDS[Math.floor(random() * WORDS.length)] + (random() < 0.08 ? '.\n' : ''));
  return out.join(' ');
}

/** Code-like lines with varying identifiers and numbers. */
function code(lines, random) {
  const out = [];
  for (let i = 0; i < lines; i++) {
    const id = `${WORDS[Math.floor(random() * WORDS.length)]}${Math.floor(random() * 1000)}`;
    out.push(`function ${id}(a, b) { return a ${random() < 0.5 ? '+' : '*'} b + ${Math.floor(random() * 100000)}; }`);
  }
  return `${out.join('\n')}\nmodule.exports = {};\n`;
}

/** node_modules with `count` packages: package.json, index.js, README.md, a nested lib/ file. */
async function* nodeModulesLayer(prefix, count, random) {
  yield dir(`${prefix}/`);
  yield dir(`${prefix}/node_modules/`);
  for (let scope = 0; scope < 11; scope++) yield dir(`${prefix}/node_modules/@bench${scope}/`);
  for (let i = 0; i < count; i++) {
    const scoped = i % 5 === 0;
    const name = scoped ? `@bench${i % 11}/pkg-${i}` : `pkg-${i}`;
    const base = `${prefix}/node_modules/${name}`;
    const version = `${1 + (i % 4)}.${i % 13}.${i % 7}`;
    const manifest = {
      name,
      version,
      description: `benchmark package ${i}`,
      main: 'index.js',
      license: ['MIT', 'ISC', 'Apache-2.0', 'BSD-3-Clause'][i % 4],
      author: `Author ${i % 97} <author${i % 97}@example.com>`,
      repository: { type: 'git', url: `https://example.com/${name}.git` },
      dependencies: Object.fromEntries(Array.from({ length: i % 4 }, (_, d) => [`pkg-${(i * 7 + d) % count}`, '^1.0.0'])),
      scripts: { test: 'node test.js' },
    };
    yield dir(`${base}/`);
    yield file(`${base}/package.json`, Buffer.from(JSON.stringify(manifest, null, 2)));
    yield file(`${base}/index.js`, Buffer.from(`'use strict';\n// ${name}\n${code(40 + Math.floor(random() * 80), random)}`));
    yield file(`${base}/README.md`, Buffer.from(`# ${name}\n\n${words(150 + Math.floor(random() * 300), random)}\n`));
    yield dir(`${base}/lib/`);
    yield file(`${base}/lib/util.js`, Buffer.from(`exports.id = ${i};\n`.repeat(30)));
  }
}

async function* binariesLayer(binaryMiB, random) {
  yield dir('opt/');
  yield dir('opt/app/');
  yield file('opt/app/server', incompressible(binaryMiB * 1024 * 1024, random), 0o755);
  yield file('opt/app/model.bin', binaryLike(binaryMiB * 1024 * 1024, random));
}

export async function buildBenchImages({ fixtureLayout, outDir, npmPackages = 3000, binaryMiB = 48 }) {
  const layout = outDir;
  await mkdir(path.join(layout, 'blobs', 'sha256'), { recursive: true });
  await writeFile(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));

  const fixtureIndex = JSON.parse(await readFile(path.join(fixtureLayout, 'index.json'), 'utf8'));
  const fixtureManifest = JSON.parse(await readFile(path.join(fixtureLayout, 'blobs', 'sha256', fixtureIndex.manifests[0].digest.slice(7)), 'utf8'));
  const fixtureConfig = JSON.parse(await readFile(path.join(fixtureLayout, 'blobs', 'sha256', fixtureManifest.config.digest.slice(7)), 'utf8'));
  const fixtureLayers = fixtureManifest.layers.map((descriptor, i) => ({ descriptor, diffId: fixtureConfig.rootfs.diff_ids[i] }));
  for (const { descriptor } of fixtureLayers) {
    await copyFile(path.join(fixtureLayout, 'blobs', 'sha256', descriptor.digest.slice(7)), path.join(layout, 'blobs', 'sha256', descriptor.digest.slice(7)));
  }
  const [fixtureBase, fixtureApp] = fixtureLayers;
  const dpkgStatus = await readFile(path.join(process.env.SHIPSHAPE_FIXTURES ?? path.join(ROOT, '..', 'shared', 'fixtures'), 'dpkg', 'bookworm-minbase.status'), 'utf8');

  const system = await writeLayer(layout, systemLayer(dpkgStatus, generator(1)));
  const modules = await writeLayer(layout, nodeModulesLayer('srv', npmPackages, generator(2)));
  const binaries = await writeLayer(layout, binariesLayer(binaryMiB, generator(3)));
  const secondModules = await writeLayer(layout, nodeModulesLayer('svc', Math.max(1, Math.floor(npmPackages / 6)), generator(4)));

  const images = {};
  const index = { schemaVersion: 2, manifests: [] };
  for (const [tag, layers] of [
    ['big', [fixtureBase, system, modules, fixtureApp, binaries]],
    ['second', [fixtureBase, system, secondModules]],
    // The second image without the shared base: what "only its own layers cost" is measured against.
    ['own', [secondModules]],
  ]) {
    const config = Buffer.from(
      JSON.stringify({
        created: MTIME.toISOString(),
        architecture: 'amd64',
        os: 'linux',
        config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      }),
    );
    const configDescriptor = { mediaType: CONFIG, ...(await putBlob(layout, config)) };
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config: configDescriptor, layers: layers.map((l) => l.descriptor) }));
    const manifestBlob = await putBlob(layout, manifest);
    index.manifests.push({ mediaType: MANIFEST, ...manifestBlob, annotations: { 'org.opencontainers.image.ref.name': tag } });
    images[tag] = {
      tag,
      digest: manifestBlob.digest,
      reference: `oci:${layout}:${tag}`,
      layers: layers.map((l) => l.descriptor),
      compressedBytes: layers.reduce((sum, l) => sum + l.descriptor.size, 0),
    };
  }
  await writeFile(path.join(layout, 'index.json'), JSON.stringify(index));
  return { layout, images, sharedLayers: [fixtureBase.descriptor.digest, system.descriptor.digest] };
}
