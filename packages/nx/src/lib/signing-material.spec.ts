/**
 * The signing-material part of the cache key of the steps that sign: a new key (same path, new
 * content; a new CI secret) changes it, an unchanged one does not, steps that do not sign ignore it,
 * and it never carries the key or its password. Real cosign key files, real security.yaml files,
 * the project graph and task as Nx hands them to a hasher.
 */
import type { ProjectGraph, Task } from '@nx/devkit';
import { generateKeyPair } from '@shipshape/core';
import { tempWorkspace, type TempWorkspace } from '../test-support/executor-context';
import { taskSigningMaterial, type SigningStep } from './signing-material';

const PASSWORD = 'signing-material-spec-pw';
let workspace: TempWorkspace;

beforeEach(async () => {
  workspace = await tempWorkspace();
});
afterEach(() => workspace.remove());

async function writeKey(relative: string): Promise<string> {
  const keys = await generateKeyPair(PASSWORD);
  await workspace.write(relative, keys.privateKeyPem);
  return keys.privateKeyPem;
}

function graph(targets: Record<string, { options?: Record<string, unknown>; configurations?: Record<string, Record<string, unknown>> }> = {}): ProjectGraph {
  return { nodes: { api: { name: 'api', type: 'app', data: { root: 'apps/api', targets } } }, dependencies: { api: [] } };
}

function task(target: string, overrides: Record<string, unknown> = {}, configuration?: string): Task {
  return { id: `api:${target}`, target: { project: 'api', target, configuration }, overrides, outputs: [], parallelism: true, projectRoot: 'apps/api' } as unknown as Task;
}

const material = (step: SigningStep, projectGraph = graph(), t = task(step), env: NodeJS.ProcessEnv = {}) => taskSigningMaterial(step, t, projectGraph, env, workspace.root);

const SIGNING_YAML = 'security:\n  signing:\n    enabled: true\n    key: keys/cosign.key\n';

describe('the signing material in the cache key', () => {
  it('changes when the key file at the same path is replaced, and only then', async () => {
    await workspace.write('security.yaml', SIGNING_YAML);
    await writeKey('keys/cosign.key');
    const first = await material('image-sign');
    expect(first).toMatch(/^key-file [0-9a-f]{64}$/);
    expect(await material('image-sign')).toBe(first);

    await writeKey('keys/cosign.key');
    const rotated = await material('image-sign');
    expect(rotated).toMatch(/^key-file [0-9a-f]{64}$/);
    expect(rotated).not.toBe(first);
  });

  it('holds neither the key nor its password', async () => {
    await workspace.write('security.yaml', SIGNING_YAML);
    const pem = await writeKey('keys/cosign.key');
    const fingerprint = await material('image-sign', graph(), task('image-sign'), { COSIGN_PASSWORD: PASSWORD });
    const keyBody = pem.split('\n').filter((line) => line && !line.startsWith('-----'));
    for (const secret of [PASSWORD, ...keyBody]) expect(fingerprint).not.toContain(secret);
  });

  it('follows a key given in the target options or on the command line, with Nx\'s {workspaceRoot} token', async () => {
    await workspace.write('security.yaml', SIGNING_YAML);
    await writeKey('keys/cosign.key');
    await writeKey('keys/other.key');
    const fromConfig = await material('image-sign');
    const targets = { 'image-sign': { options: { key: '{workspaceRoot}/keys/other.key' }, configurations: { old: { key: 'keys/cosign.key' } } } };
    const fromOptions = await material('image-sign', graph(targets));
    expect(fromOptions).not.toBe(fromConfig);
    expect(await material('image-sign', graph(targets), task('image-sign', {}, 'old'))).toBe(fromConfig);
    expect(await material('image-sign', graph(), task('image-sign', { key: 'keys/other.key' }))).toBe(fromOptions);
  });

  it('follows a key held in an environment variable (env://), and says when it is unset', async () => {
    await workspace.write('security.yaml', 'security:\n  signing:\n    enabled: true\n    key: env://RELEASE_SIGNING_KEY\n');
    const pemA = (await generateKeyPair(PASSWORD)).privateKeyPem;
    const pemB = (await generateKeyPair(PASSWORD)).privateKeyPem;
    const a = await material('image-sign', graph(), task('image-sign'), { RELEASE_SIGNING_KEY: pemA });
    expect(a).toMatch(/^key-env [0-9a-f]{64}$/);
    expect(await material('image-sign', graph(), task('image-sign'), { RELEASE_SIGNING_KEY: pemA })).toBe(a);
    expect(await material('image-sign', graph(), task('image-sign'), { RELEASE_SIGNING_KEY: pemB })).not.toBe(a);
    expect(await material('image-sign', graph(), task('image-sign'), {})).toBe('key-env unset');
  });

  it('names keyless signing and KMS keys without reading anything', async () => {
    await workspace.write('security.yaml', 'security:\n  signing:\n    enabled: true\n    keyless: true\n');
    expect(await material('image-sign')).toBe('keyless');
    await workspace.write('security.yaml', 'security:\n  signing:\n    enabled: true\n    tool: cosign\n    key: awskms:///alias/release\n');
    expect(await material('image-sign')).toBe('kms awskms:///alias/release');
  });

  it('a missing key file does not match a present one (the step itself reports it)', async () => {
    await workspace.write('security.yaml', SIGNING_YAML);
    expect(await material('image-sign')).toBe('key-file unreadable');
  });

  it('counts only for the steps that sign: sbom, scan and provenance when they attach', async () => {
    await workspace.write('security.yaml', `${SIGNING_YAML}  sbom:\n    enabled: true\n  scan:\n    enabled: true\n    tools: [{ name: grype }]\n  provenance:\n    enabled: true\n    attach: false\n`);
    await writeKey('keys/cosign.key');
    expect(await material('sbom')).toBe('none');
    expect(await material('scan')).toBe('none');
    expect(await material('provenance')).toBe('none');
    const signed = await material('image-sign');
    expect(await material('sbom', graph({ sbom: { options: { attach: true } } }))).toBe(signed);
    expect(await material('provenance', graph({ provenance: { options: { attach: true } } }))).toBe(signed);

    await workspace.write('security.yaml', `${SIGNING_YAML}  scan:\n    enabled: true\n    tools: [{ name: grype }]\n    attach: true\n`);
    expect(await material('scan')).toBe(signed);
    await workspace.write('security.yaml', 'security:\n  signing:\n    enabled: false\n    key: keys/cosign.key\n');
    expect(await material('image-sign')).toBe('none');
  });

  it('a project security.yaml overrides the workspace one, as when the step runs', async () => {
    await workspace.write('security.yaml', SIGNING_YAML);
    await writeKey('keys/cosign.key');
    await writeKey('apps/api/api.key');
    const workspaceKey = await material('image-sign');
    await workspace.write('apps/api/security.yaml', 'security:\n  signing:\n    key: api.key\n');
    const projectKey = await material('image-sign');
    expect(projectKey).toMatch(/^key-file [0-9a-f]{64}$/);
    expect(projectKey).not.toBe(workspaceKey);
  });

  it('an invalid configuration gives a marker of its own (the task fails, and is not cached)', async () => {
    await workspace.write('security.yaml', 'security:\n  signing:\n    enabled: maybe\n');
    expect(await material('image-sign')).toBe('invalid-configuration');
  });
});
