// Per-image cost of key-based signing (including every registry write) and verification, with the
// key loaded once as a release of many images does. Uses the built packages/core/dist.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const dist = (p) => require(`../../packages/core/dist/${p}`);
const { RegistryClient } = dist('oci/registry/client.js');
const { openImage } = dist('oci/open.js');
const { sha256Digest } = dist('oci/digest.js');
const { generateKeyPair, loadSigningKey, loadPublicKey } = dist('signing/keys/index.js');
const { keySigningSetup } = dist('signing/key-signer.js');
const { signImage } = dist('signing/sign-image.js');
const { verifyImage } = dist('signing/verify-image.js');
const { createLogger } = dist('exec/logger.js');

const count = Number(process.argv[process.argv.indexOf('--images') + 1]) || 20;
const registry = process.env.SHIPSHAPE_TEST_REGISTRY;
const client = new RegistryClient({ env: {} });
const logger = createLogger({ sink: { write() {} } });

async function pushImage(i) {
  const repo = `bench/sign-${i}`;
  const { store } = openImage(`${registry}/${repo}:v1`, { client });
  const layer = gzipSync(randomBytes(4096));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest(randomBytes(8))] } }));
  await store.putBlob(config, 'application/vnd.oci.image.config.v1+json');
  await store.putBlob(layer, 'application/vnd.oci.image.layer.v1.tar+gzip');
  const manifest = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(config), size: config.length }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256Digest(layer), size: layer.length }] };
  await store.putManifest(Buffer.from(JSON.stringify(manifest)), manifest.mediaType, 'v1');
  return `${registry}/${repo}:v1`;
}

const { writeFileSync, mkdtempSync } = await import('node:fs');
const { join } = await import('node:path');
const { tmpdir } = await import('node:os');
const dir = mkdtempSync(join(tmpdir(), 'bench-key-'));
const pair = await generateKeyPair('bench');
writeFileSync(join(dir, 'cosign.key'), pair.privateKeyPem);
writeFileSync(join(dir, 'cosign.pub'), pair.publicKeyPem);

let t = performance.now();
const key = await loadSigningKey(join(dir, 'cosign.key'), { env: {}, password: 'bench' });
const keyLoadMs = performance.now() - t;
const setup = keySigningSetup(key.privateKey, key.publicKey, key.description);
const setups = { kind: 'key', description: key.description, forFormat: () => setup };
const policy = { kind: 'key', publicKeys: [await loadPublicKey(join(dir, 'cosign.pub'), { env: {} })] };

const images = [];
for (let i = 0; i < count * 2; i++) images.push(await pushImage(i));

const results = {};
for (const [label, format, slice] of [['bundle', 'bundle', images.slice(0, count)], ['legacy', 'legacy', images.slice(count)]]) {
  const sign = [];
  const verify = [];
  for (const ref of slice) {
    t = performance.now();
    await signImage(openImage(ref, { client }), setups, format, logger);
    sign.push(performance.now() - t);
    t = performance.now();
    const v = await verifyImage(openImage(ref, { client }), policy);
    verify.push(performance.now() - t);
    if (v.verified.length !== 1) throw new Error(`expected one verified signature on ${ref}`);
  }
  results[label] = { sign, verify };
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)].toFixed(0)} ms, p90 ${s[Math.floor(s.length * 0.9)].toFixed(0)} ms, max ${s[s.length - 1].toFixed(0)} ms`;
};
console.log(`signing benchmark: ${count} images per format, loopback registry ${registry} (no referrers API: fallback tag)`);
console.log(`  key load (cosign.key, scrypt N=65536), once per run: ${keyLoadMs.toFixed(0)} ms`);
for (const [label, r] of Object.entries(results)) {
  console.log(`  ${label.padEnd(6)} sign   per image: ${stats(r.sign)}   (target < 500 ms)`);
  console.log(`  ${label.padEnd(6)} verify per image: ${stats(r.verify)}`);
}
client.close();
