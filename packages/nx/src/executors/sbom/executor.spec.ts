/**
 * The sbom executor on the debian12 fixture (a copy of its OCI layout inside a temporary workspace):
 * the CycloneDX file lists the fixture's 88 Debian packages and its npm packages, and with attach the
 * SBOM is signed into the layout and reads back verified. Needs the test environment (tools/test.sh).
 */
import { cp, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { downloadSbom, generateKeyPair, loadPublicKey, openImage } from '@shipshape/core';
import { fixtureImage } from '../../../../core/src/test-support/test-env';
import { captureOutput, cosignPasswordForSpec, executorContext, tempWorkspace, writeImageFile, type TempWorkspace } from '../../test-support/executor-context';
import sbomExecutor from './executor';

const debian = fixtureImage('debian12');
const PASSWORD = cosignPasswordForSpec();
let workspace: TempWorkspace;
beforeEach(async () => {
  workspace = await tempWorkspace();
  await cp(debian.layout, path.join(workspace.root, 'images/debian12'), { recursive: true });
  const image = `oci:images/debian12@${debian.digest}`;
  await writeImageFile(workspace, { image, digest: debian.digest, mediaType: debian.mediaType });
});
afterEach(() => workspace.remove());

const run = () => captureOutput(() => sbomExecutor({}, executorContext(workspace.root, { targetName: 'sbom', target: { executor: '@shipshape/nx:sbom' } })));

it('writes the CycloneDX SBOM of the image with every package of the fixture', async () => {
  await workspace.write('security.yaml', 'sbom:\n  enabled: true\n');
  const result = await run();
  expect(result.stderr).toEqual([]);
  expect(result.result.success).toBe(true);
  expect(result.stdout.join('\n')).toMatch(/api: SBOM cyclonedx-json by native: sbom\.cdx\.json \(\d+ packages, \d+ KiB\)/);
  const bom = JSON.parse(await readFile(path.join(workspace.root, 'dist/shipshape/apps/api/sbom/sbom.cdx.json'), 'utf8')) as { components: { purl?: string }[] };
  const purls = bom.components.map((c) => c.purl ?? '');
  expect(purls.filter((p) => p.startsWith('pkg:deb/debian/')).length).toBe(88);
  expect(purls).toContain('pkg:npm/ms@2.1.3');
});

it('attaches the SBOM as a signed attestation that reads back verified', async () => {
  const keys = await generateKeyPair(PASSWORD);
  await workspace.write('keys/cosign.key', keys.privateKeyPem);
  const pub = await workspace.write('keys/cosign.pub', keys.publicKeyPem);
  await workspace.write('security.yaml', 'signing:\n  key: keys/cosign.key\nsbom:\n  enabled: true\n  attach: true\n');
  const result = await run();
  expect(result.result.success).toBe(true);
  expect(result.stdout.join('\n')).toMatch(/attached: bundle/);
  const { store } = openImage(`oci:${path.join(workspace.root, 'images/debian12')}@${debian.digest}`);
  const downloaded = await downloadSbom(store, debian.digest, 'cyclonedx-json', { kind: 'key', publicKeys: [await loadPublicKey(pub, { env: {} })] });
  expect(JSON.stringify(downloaded)).toContain('pkg:deb/debian/bash@');
});
