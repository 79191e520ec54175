/**
 * image-sign and verify executors on a temporary workspace against the real plain registry: signing by
 * the digest of image.json with a cosign key, verifying it, the skip line when signing is off, and the
 * fail-open / fail-closed rule. Needs the test environment (tools/test.sh).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { generateKeyPair, RegistryClient, openImage } from '@shipshape/core';
import { testEnv } from '../../../../core/src/test-support/test-env';
import { makeTestImage, pushTestImage } from '../../../../core/src/test-support/images';
import { captureOutput, cosignPasswordForSpec, executorContext, tempWorkspace, writeImageFile, type TempWorkspace } from '../../test-support/executor-context';
import imageSignExecutor from './executor';
import verifyExecutor from '../verify/executor';

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
  const keys = await generateKeyPair(PASSWORD);
  await workspace.write('keys/cosign.key', keys.privateKeyPem);
  await workspace.write('keys/cosign.pub', keys.publicKeyPem);
});
afterEach(() => workspace.remove());

async function pushedImage(registry = env.registry) {
  const repository = `nx-sign/${randomBytes(4).toString('hex')}`;
  const { store } = openImage(`${registry}/${repository}:v1`, { client });
  const descriptor = await pushTestImage(store, makeTestImage(), 'v1');
  const image = `${registry}/${repository}@${descriptor.digest}`;
  await writeImageFile(workspace, { image, digest: descriptor.digest, reference: `${registry}/${repository}:v1`, mediaType: descriptor.mediaType });
  return { image, digest: descriptor.digest };
}

const security = (extra = '') => `signing:\n  enabled: true\n  key: keys/cosign.key\n  format: both\n  verify:\n    enabled: true\n    key: keys/cosign.pub\n${extra}`;
const sign = () => captureOutput(() => imageSignExecutor({}, executorContext(workspace.root, { targetName: 'image-sign', target: { executor: '@shipshape/nx:image-sign' } })));
const verify = () => captureOutput(() => verifyExecutor({}, executorContext(workspace.root, { targetName: 'verify', target: { executor: '@shipshape/nx:verify' } })));

describe('image-sign and verify executors', () => {
  it('signs the digest of image.json in both formats, records it without secrets, and verifies', async () => {
    await workspace.write('security.yaml', security());
    const { image, digest } = await pushedImage();
    const signed = await sign();
    expect(signed.stderr).toEqual([]);
    expect(signed.result.success).toBe(true);
    expect(signed.stdout.join('\n')).toContain(`api: signed ${image} (bundle, legacy) by key`);
    const recorded = await readFile(path.join(workspace.root, 'dist/shipshape/apps/api/signature/result.json'), 'utf8');
    expect(JSON.parse(recorded)).toMatchObject({ step: 'image-sign', status: 'ok', digest, image, signer: 'key keys/cosign.key (ECDSA P-256)' });
    expect(recorded).not.toContain(workspace.root); // the same on every machine that restores it from a cache
    expect(recorded + signed.stdout.join('')).not.toContain(PASSWORD);

    const verified = await verify();
    expect(verified.result.success).toBe(true);
    expect(verified.stdout.join('\n')).toContain(`verified ${image}: 2 signature(s) by key`);
  });

  it('fails verify when the image is not signed by the configured key', async () => {
    await workspace.write('security.yaml', security());
    await pushedImage();
    const verified = await verify();
    expect(verified.result.success).toBe(true); // fail-open: not required
    expect(verified.stderr.join('\n')).toMatch(/verify failed, continuing \(not required\): .*has no signatures/);

    await workspace.write('security.yaml', `required: true\n${security()}`);
    const required = await verify();
    expect(required.result.success).toBe(false);
    expect(required.stderr.join('\n')).toMatch(/error: api: .*no valid signature matches the policy/);
  });

  it('skips with one line when signing is off', async () => {
    await pushedImage();
    const skipped = await sign();
    expect(skipped.result.success).toBe(true);
    expect(skipped.stdout).toEqual(['api: image-sign is off (signing.enabled is false in security.yaml); skipping']);
  });

  it('fails open when the registry is unreachable, and closed when signing is required', async () => {
    await workspace.write('security.yaml', security());
    const digest = `sha256:${'1'.repeat(64)}`;
    await writeImageFile(workspace, { image: `127.0.0.1:1/none@${digest}`, digest, reference: '127.0.0.1:1/none:v1', mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    const open = await sign();
    expect(open.result.success).toBe(true);
    expect(open.stderr.join('\n')).toMatch(/image-sign failed, continuing \(not required\): .*cannot reach 127\.0\.0\.1:1/);
    expect(JSON.parse(await readFile(path.join(workspace.root, 'dist/shipshape/apps/api/signature/result.json'), 'utf8'))).toMatchObject({ status: 'failed' });

    await workspace.write('security.yaml', security().replace('signing:\n', 'signing:\n  required: true\n'));
    const closed = await sign();
    expect(closed.result.success).toBe(false);
  });
});
