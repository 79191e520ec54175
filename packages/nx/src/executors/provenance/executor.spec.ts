/**
 * The provenance executor on a temporary workspace against the real plain registry: the statement is
 * written, signed and attached, and verifies through core's one attestation path; SBOM files of the
 * project become byproducts by digest. Needs the test environment (tools/test.sh).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { generateKeyPair, loadPublicKey, openImage, RegistryClient, SLSA_PROVENANCE_V1, verifyAttestations } from '@shipshape/core';
import { testEnv } from '../../../../core/src/test-support/test-env';
import { makeTestImage, pushTestImage } from '../../../../core/src/test-support/images';
import { captureOutput, cosignPasswordForSpec, executorContext, tempWorkspace, writeImageFile, type TempWorkspace } from '../../test-support/executor-context';
import provenanceExecutor from './executor';

const env = testEnv();
const PASSWORD = cosignPasswordForSpec();
let workspace: TempWorkspace;
let client: RegistryClient;

beforeAll(() => {
  client = new RegistryClient({ env: {} });
});
afterAll(() => client.close());
beforeEach(async () => {
  workspace = await tempWorkspace();
});
afterEach(() => workspace.remove());

it('writes, attaches and verifies provenance with the SBOM as a byproduct', async () => {
  const keys = await generateKeyPair(PASSWORD);
  await workspace.write('keys/cosign.key', keys.privateKeyPem);
  const pub = await workspace.write('keys/cosign.pub', keys.publicKeyPem);
  await workspace.write('security.yaml', 'signing:\n  key: keys/cosign.key\n  format: both\nprovenance:\n  enabled: true\n');
  const repository = `nx-prov/${randomBytes(4).toString('hex')}`;
  const { store } = openImage(`${env.registry}/${repository}:v1`, { client });
  const descriptor = await pushTestImage(store, makeTestImage(), 'v1');
  const image = `${env.registry}/${repository}@${descriptor.digest}`;
  await writeImageFile(workspace, { image, digest: descriptor.digest, mediaType: descriptor.mediaType });
  const sbom = '{"bomFormat":"CycloneDX","specVersion":"1.6","components":[]}\n';
  await workspace.write('dist/shipshape/apps/api/sbom/sbom.cdx.json', sbom);

  const run = await captureOutput(() => provenanceExecutor({}, executorContext(workspace.root, { targetName: 'provenance', target: { executor: '@shipshape/nx:provenance' } })));
  // Outside CI the provenance says so: the builder is this machine.
  expect(run.stderr.join('\n')).toMatch(/not running in CI: the provenance names this machine as the builder/);
  expect(run.result.success).toBe(true);
  expect(run.stdout.join('\n')).toMatch(new RegExp(`provenance for ${image.replace(/[.]/g, '\\.')} attached \\(bundle, legacy; builder https://shipshape.dev/local/`));

  const statement = JSON.parse(await readFile(path.join(workspace.root, 'dist/shipshape/apps/api/provenance/provenance.intoto.json'), 'utf8'));
  expect(statement.predicateType).toBe(SLSA_PROVENANCE_V1);
  expect(statement.subject[0].digest.sha256).toBe(descriptor.digest.slice('sha256:'.length));
  expect(statement.predicate.runDetails.byproducts).toEqual([
    expect.objectContaining({ name: 'sbom.cdx.json', digest: { sha256: createHash('sha256').update(sbom).digest('hex') } }),
  ]);

  const verified = await verifyAttestations(store, descriptor.digest, { kind: 'key', publicKeys: [await loadPublicKey(pub, { env: {} })] }, SLSA_PROVENANCE_V1);
  expect(verified.verified.map((v) => v.format).sort()).toEqual(['bundle', 'legacy']);
});
