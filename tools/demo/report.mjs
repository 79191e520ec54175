/* global console */
// What the demo prints after a release: per service, read from what the release left behind (the
// step results under dist/shipshape, the SBOM files, and the artifacts attached to the image in its
// OCI layout), and what Nx replayed from its cache on the second run.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { run, shipshapeBin } from './workspace.mjs';

const KINDS = {
  'https://sigstore.dev/cosign/sign/v1': 'signature',
  'https://cyclonedx.org/bom': 'CycloneDX SBOM',
  'https://spdx.dev/Document': 'SPDX SBOM',
  'https://slsa.dev/provenance/v1': 'SLSA provenance',
  'https://cosign.sigstore.dev/attestation/vuln/v1': 'vulnerability report',
};

async function readJson(file) {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function kB(bytes) {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} kB`;
}

function short(image) {
  return image.replace(/(sha256:[0-9a-f]{12})[0-9a-f]+/, '$1…');
}

/** The step's own words: a summary, else why it failed or was skipped, else its status. */
function describeResult(result) {
  if (!result) return undefined;
  const text = result.summary ?? result.reason ?? result.message ?? result.warning ?? (Array.isArray(result.warnings) ? result.warnings.join('; ') : undefined);
  return text ? `${result.status ?? 'done'}: ${text}` : result.status;
}

/** Per scanner: what it found, or why it did not scan; and whether the release went on without it. */
function describeScan(result) {
  if (!Array.isArray(result?.tools)) return describeResult(result) ?? 'no result';
  const tools = result.tools.map((t) => {
    if (t.status !== 'ok') return `${t.tool} did not scan (${t.failure?.reason ?? t.status})`;
    const findings = Array.isArray(t.findings) ? t.findings.length : t.findingCount;
    return `${t.tool} scanned${findings !== undefined ? `: ${findings} finding(s)` : ''}`;
  });
  const scanned = result.tools.some((t) => t.status === 'ok');
  return `${tools.join(', ')}${scanned ? '' : ' — NOT scanned; fail-open, so the release went on'}`;
}

async function sbomFiles(dir) {
  if (!existsSync(dir)) return [];
  const files = [];
  for (const name of (await readdir(dir)).filter((n) => n !== 'result.json').sort()) {
    const file = path.join(dir, name);
    const { size } = await stat(file);
    const doc = await readJson(file);
    const count = doc?.bomFormat === 'CycloneDX' ? `${doc.components?.length ?? 0} components` : doc?.spdxVersion ? `${doc.packages?.length ?? 0} packages` : undefined;
    files.push(`${name} ${kB(size)}${count ? `, ${count}` : ''}`);
  }
  return files;
}

/** What is attached to the image in its layout: bundle referrers by predicate type, cosign's legacy tags. */
async function attachedTo(root, service, digest) {
  const core = createRequire(path.join(root, 'package.json'))('@shipshape/core');
  const { store } = core.openImage(`oci:${path.join(root, 'images', service)}`);
  const counts = new Map();
  for (const referrer of await store.referrers(digest)) {
    const type = referrer.annotations?.['dev.sigstore.bundle.predicateType'];
    const kind = KINDS[type] ?? type ?? referrer.artifactType ?? 'artifact';
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const hex = digest.replace('sha256:', '');
  const legacy = (await store.listTags()).filter((t) => t === `sha256-${hex}.sig` || t === `sha256-${hex}.att`);
  const bundles = [...counts].map(([kind, n]) => `${n} ${kind} bundle${n > 1 ? 's' : ''}`);
  return [...bundles, ...legacy.map((t) => `tag ${t.slice(0, 14)}….${t.split('.').pop()}`)];
}

export async function printRelease({ root, services, declared, env }) {
  const lines = [];
  for (const service of services) {
    const out = path.join(root, 'dist', 'shipshape', 'services', service);
    const image = await readJson(path.join(out, 'image.json'));
    if (!image) {
      lines.push(`${service}: no image.json (image-digest did not run)`);
      continue;
    }
    lines.push(`${service}  ${short(image.image)}`);
    const signature = await readJson(path.join(out, 'signature', 'result.json'));
    const formats = signature?.signatures?.map((s) => s.format).join(' + ');
    const verify = await run(shipshapeBin(root), ['image', 'verify', '--image', image.image, '--key', 'cosign.pub', '--output', 'json'], { cwd: root, env, allowFailure: true });
    const verified = verify.code === 0 ? JSON.parse(verify.output.slice(verify.output.indexOf('{'))).verified.length : 0;
    lines.push(`    signed       ${formats ? `${formats}, ${signature.signer}` : describeResult(signature) ?? 'no result'}; \`shipshape image verify --key cosign.pub\`: ${verified ? `${verified} valid signature(s)` : 'FAILED'}`);
    if (declared.has('sbom')) {
      const files = await sbomFiles(path.join(out, 'sbom'));
      lines.push(`    SBOM         ${files.length ? files.join('; ') : describeResult(await readJson(path.join(out, 'sbom', 'result.json'))) ?? 'no SBOM written'}`);
    }
    if (declared.has('scan')) lines.push(`    scan         ${describeScan(await readJson(path.join(out, 'scan', 'result.json')))}`);
    if (declared.has('provenance')) {
      const provenance = await readJson(path.join(out, 'provenance', 'result.json'));
      const attached = provenance?.attached?.map((a) => a.format).join(' + ');
      lines.push(`    provenance   ${provenance?.builder ? `SLSA v1, builder ${provenance.builder}${attached ? `, attached (${attached})` : ''}` : describeResult(provenance) ?? 'no result'}`);
    }
    lines.push(`    in the layout: ${(await attachedTo(root, service, image.digest)).join(', ') || 'nothing attached'}`);
  }
  const missing = ['sbom', 'scan', 'provenance'].filter((e) => !declared.has(e));
  if (missing.length) lines.push(`(not in this build of @shipshape/nx yet: ${missing.join(', ')})`);
  console.log(lines.join('\n'));
}

export function printCacheReport(first, second) {
  const replayed = second.tasks.filter((t) => t.outcome !== 'ran');
  const ranAgain = second.tasks.filter((t) => t.outcome === 'ran');
  const byTarget = (tasks) => [...new Set(tasks.map((t) => t.target))].sort().join(', ');
  const seconds = (s) => `${s.toFixed(1)} s`;
  console.log(`first run:  ${seconds(first.seconds)}, ${first.tasks.filter((t) => t.outcome === 'ran').length} tasks ran`);
  console.log(`second run: ${seconds(second.seconds)}, ${replayed.length} of ${second.tasks.length} tasks replayed from Nx's cache (${byTarget(replayed) || 'none'}): same image digest, same config`);
  console.log(`            ${ranAgain.length} ran again by design (${byTarget(ranAgain) || 'none'}): image-digest asks where the image is now, verify checks it now`);
}
