/* global process, console */
// The demo (README's main command, via tools/demo.sh): a workspace of three services whose images are
// OCI layouts on disk, a generated key, and Shipshape's release through Nx — twice, to show the
// digest-keyed cache. No registry, no Docker, no cosign/syft/grype/trivy.
//   node tools/demo/demo.mjs            (tools/demo.sh builds the packages first)
// SHIPSHAPE_DEMO_DIR: where the workspace goes (default tmp/demo).
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildServiceImages } from './images.mjs';
import { printRelease, printCacheReport } from './report.mjs';
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
} from './workspace.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ROOT = path.resolve(REPO_ROOT, process.env.SHIPSHAPE_DEMO_DIR ?? 'tmp/demo');
const SERVICES = ['api', 'web', 'worker'];

const bold = (text) => (process.stdout.isTTY ? `\u001b[1m${text}\u001b[22m` : text);
const heading = (text) => console.log(`\n${bold(`── ${text} ${'─'.repeat(Math.max(0, 76 - text.length))}`)}`);
const step = (text) => console.log(`  • ${text}`);

const SECURITY_YAML = `# The demo's configuration: every feature on, fail-open (a step that cannot run warns and the
# release goes on; \`required: true\` would stop it).
security:
  signing:
    enabled: true
    key: cosign.key          # made by \`shipshape key generate\`; its password is in COSIGN_PASSWORD
    format: both             # a Sigstore bundle (cosign v3) and the legacy .sig tag (cosign v2, Kyverno)
    verify:
      enabled: true
  sbom:
    enabled: true
    format: cyclonedx-json
    attach: true             # attached to the image as a signed in-toto attestation
  scan:
    enabled: true
    tools:                   # neither is installed here: the scan warns and the release goes on
      - { name: grype }
      - { name: trivy }
  provenance:
    enabled: true            # SLSA v1, attached as a signed attestation
`;

async function main() {
  const password = newKeyPassword();
  const env = workspaceEnv(ROOT, { COSIGN_PASSWORD: password });
  console.log(bold(`Shipshape demo: ${SERVICES.length} services, released with nx run-many -t release`));
  console.log(`workspace: ${path.relative(process.cwd(), ROOT) || '.'}`);

  heading('1. The workspace');
  const installed = await installWorkspace({ root: ROOT, repoRoot: REPO_ROOT, name: 'shipshape-demo', env });
  step(`nx ${'23.2.1'}, @shipshape/nx and @shipshape/core (packed from this checkout) ${installed ? 'installed from npm' : 'already installed'}`);
  await writeWorkspaceFiles(ROOT, SERVICES);
  const images = await buildServiceImages({ workspaceRoot: ROOT, imagesDir: path.join(ROOT, 'images'), services: SERVICES });
  for (const image of images) step(`services/${image.service}: image oci:images/${image.service}:1 (${image.digest.slice(0, 19)}…), written by Shipshape's OCI code`);

  const withImages = images.map((i) => ({ service: i.service, image: `oci:images/${i.service}:1` }));
  await runGenerators(ROOT, withImages, env);
  step('nx g @shipshape/nx:init; nx g @shipshape/nx:configuration <service> --image=oci:images/<service>:1');
  const declared = await declaredExecutors(ROOT);
  const dropped = await pruneUndeclaredTargets(ROOT, SERVICES, declared);
  if (dropped.length) step(`(this build of @shipshape/nx has no ${dropped.join(', ')} executor yet: those targets are left out)`);

  await generateKey(ROOT, env);
  step('a demo signing key: cosign.key + cosign.pub (shipshape key generate; a random password in COSIGN_PASSWORD)');
  await writeFile(path.join(ROOT, 'security.yaml'), SECURITY_YAML);
  step('security.yaml: signing, SBOM, scan (fail-open) and provenance on');
  await commitWorkspace(ROOT, env);
  step('git init and commit: the workspace is a repository of its own (the provenance names its commit)');

  heading('2. nx run-many -t release');
  let started = performance.now();
  const first = await run(nxBin(ROOT), ['run-many', '-t', 'release', '--outputStyle=static'], { cwd: ROOT, env, echo: true });
  const firstSeconds = (performance.now() - started) / 1000;

  heading('3. What was released');
  await printRelease({ root: ROOT, services: SERVICES, declared, env });

  heading('4. nx run-many -t release, again (same digests, same config)');
  started = performance.now();
  const second = await run(nxBin(ROOT), ['run-many', '-t', 'release', '--outputStyle=static'], { cwd: ROOT, env, echo: true });
  const secondSeconds = (performance.now() - started) / 1000;
  heading('5. The cache');
  printCacheReport({ tasks: parseNxTasks(first.output), seconds: firstSeconds }, { tasks: parseNxTasks(second.output), seconds: secondSeconds });
  const where = path.relative(process.cwd(), ROOT) || '.';
  console.log(`\nThe workspace stays in ${where}. Check an image yourself:`);
  console.log(`  cd ${where} && npx shipshape image verify --image oci:images/api:1 --key cosign.pub`);
  if (declared.has('sbom')) console.log(`  cd ${where} && npx shipshape attest verify --image oci:images/api:1 --type cyclonedx --key cosign.pub`);
}

main().catch((error) => {
  console.error(`\ndemo failed: ${error.message}`);
  process.exitCode = 1;
});
