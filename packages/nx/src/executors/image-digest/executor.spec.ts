/**
 * The image-digest executor against the real test registries (plain HTTP; TLS with basic auth) and
 * real OCI layouts, with the context Nx gives an executor. Needs the test environment
 * (tools/test.sh sets it up; see packages/core/src/test-support/test-env.ts).
 */
import { randomBytes } from 'node:crypto';
import { cp, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { TargetConfiguration } from '@nx/devkit';
import { fixtureImage, testEnv, type FixtureImage } from '../../../../core/src/test-support/test-env';
import { captureOutput, executorContext, tempWorkspace, type TempWorkspace } from '../../test-support/executor-context';
import imageDigestExecutor from './executor';
import type { ImageDigestExecutorOptions } from './schema';

const env = testEnv();
const debian = fixtureImage('debian12');
const multiarch = fixtureImage('multiarch');

/** The target as `nx g @shipshape/nx:configuration` and init's targetDefaults make it. */
const target: TargetConfiguration = {
  executor: '@shipshape/nx:image-digest',
  cache: false,
  outputs: ['{workspaceRoot}/dist/shipshape/{projectRoot}/image.json'],
};

let workspace: TempWorkspace;
beforeEach(async () => {
  workspace = await tempWorkspace();
});
afterEach(async () => {
  await workspace.remove();
});

async function run(options: ImageDigestExecutorOptions, targetConfig: TargetConfiguration = target) {
  return captureOutput(() => imageDigestExecutor(options, executorContext(workspace.root, { target: targetConfig })));
}

async function imageJson(relative = 'dist/shipshape/apps/api/image.json'): Promise<unknown> {
  return JSON.parse(await readFile(path.join(workspace.root, relative), 'utf8'));
}

async function exists(relative: string): Promise<boolean> {
  return stat(path.join(workspace.root, relative)).then(
    () => true,
    () => false,
  );
}

function platformsOf(image: FixtureImage) {
  return image.platforms.map((p) => ({ platform: `${p.os}/${p.architecture}`, digest: p.digest }));
}

const short = (digest: string) => `${digest.slice(0, 'sha256:'.length + 12)}…`;
const noStackTrace = (lines: string[]) => lines.every((line) => !/^\s+at /.test(line));

describe('image-digest executor', () => {
  it('resolves a tag in the registry to its digest and writes image.json', async () => {
    const { result, stdout, stderr } = await run({ image: debian.references.plain });

    expect(result).toEqual({ success: true });
    expect(await imageJson()).toEqual({
      image: `${env.registry}/shipshape/debian12@${debian.digest}`,
      digest: debian.digest,
      reference: debian.references.plain,
      mediaType: debian.mediaType,
      platforms: platformsOf(debian),
    });
    expect(stdout).toEqual([`api → ${env.registry}/shipshape/debian12@${short(debian.digest)} (linux/amd64)`]);
    expect(stderr).toEqual([]);
  });

  it('lists every platform of a multi-arch index', async () => {
    const { result, stdout } = await run({ image: multiarch.references.plain });

    expect(result.success).toBe(true);
    expect(await imageJson()).toMatchObject({ digest: multiarch.digest, mediaType: multiarch.mediaType, platforms: platformsOf(multiarch) });
    expect(stdout).toEqual([`api → ${env.registry}/shipshape/multiarch@${short(multiarch.digest)} (linux/amd64, linux/arm64)`]);
  });

  it('opens an oci: layout relative to the workspace root and records it workspace-relative', async () => {
    await cp(debian.layout, path.join(workspace.root, 'images', 'debian12'), { recursive: true });

    const { result, stdout } = await run({ image: `oci:images/debian12:${debian.tag}` });

    expect(result.success).toBe(true);
    // No absolute path: the same image gives the same file (and cache key) on every machine.
    expect(await imageJson()).toEqual({
      image: `oci:images/debian12@${debian.digest}`,
      digest: debian.digest,
      reference: `oci:images/debian12:${debian.tag}`,
      mediaType: debian.mediaType,
      platforms: platformsOf(debian),
    });
    expect(stdout).toEqual([`api → oci:images/debian12@${short(debian.digest)} (linux/amd64)`]);
  });

  it('uses the digest @nx-tools/nx-container recorded, under the name the build pushed', async () => {
    const cacheDir = 'node_modules/.cache/nx-container/api';
    await workspace.write(`${cacheDir}/digest`, multiarch.digest);
    const names = `${env.registry}/shipshape/multiarch:sha-1a2b3c,${env.registry}/shipshape/multiarch:latest`;
    await workspace.write(`${cacheDir}/metadata`, JSON.stringify({ 'containerimage.digest': multiarch.digest, 'image.name': names }));

    const { result } = await run({});

    expect(result.success).toBe(true);
    expect(await imageJson()).toMatchObject({
      image: `${env.registry}/shipshape/multiarch@${multiarch.digest}`,
      reference: `${env.registry}/shipshape/multiarch@${multiarch.digest}`,
      digest: multiarch.digest,
    });
  });

  it('falls back to the image tag when the recorded digest was never pushed (a --load build)', async () => {
    const unpushed = `sha256:${randomBytes(32).toString('hex')}`;
    await workspace.write('node_modules/.cache/nx-container/api/digest', `${unpushed}\n`);

    const { result, stderr } = await run({ image: debian.references.plain });

    expect(result.success).toBe(true);
    expect(await imageJson()).toMatchObject({ digest: debian.digest, reference: debian.references.plain });
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toContain(`warning: ${env.registry}/shipshape/debian12@${unpushed} from nx-container`);
    expect(stderr[0]).toContain('is not in the registry');
  });

  it('asks for the repository when nx-container recorded a digest without an image name', async () => {
    await workspace.write('node_modules/.cache/nx-container/api/digest', debian.digest);

    const { result, stderr } = await run({});

    expect(result.success).toBe(false);
    expect(stderr[0]).toBe(
      `error: api: node_modules/.cache/nx-container/api/digest: nx-container recorded the digest ${debian.digest} but no image name to find it under`,
    );

    const named = await run({ image: `${env.registry}/shipshape/debian12` });
    expect(named.result.success).toBe(true);
    expect(await imageJson()).toMatchObject({ image: `${env.registry}/shipshape/debian12@${debian.digest}`, digest: debian.digest });
  });

  it('resolves the reference @nx/docker recorded in tmp/<projectRoot>/.docker-version', async () => {
    await workspace.write('tmp/apps/api/.docker-version', debian.references.plain);

    const { result } = await run({});

    expect(result.success).toBe(true);
    expect(await imageJson()).toMatchObject({ digest: debian.digest, reference: debian.references.plain });
  });

  it('takes registry settings from the project security.yaml and never prints the password', async () => {
    process.env.SHIPSHAPE_NX_TEST_TLS_PASSWORD = env.tlsPassword;
    try {
      await workspace.write(
        'apps/api/security.yaml',
        [
          'security:',
          '  registries:',
          `    "${env.tlsRegistry}":`,
          `      caFile: ${env.tlsCaFile}`,
          `      username: ${env.tlsUsername}`,
          '      password: env://SHIPSHAPE_NX_TEST_TLS_PASSWORD',
          '',
        ].join('\n'),
      );

      const { result, stdout, stderr } = await run({ image: debian.references.tls });

      expect(result.success).toBe(true);
      expect(await imageJson()).toMatchObject({ image: `${env.tlsRegistry}/shipshape/debian12@${debian.digest}` });
      expect([...stdout, ...stderr].join('\n')).not.toContain(env.tlsPassword);
    } finally {
      delete process.env.SHIPSHAPE_NX_TEST_TLS_PASSWORD;
    }
  });

  it('reaches a registry with an unknown CA only when it is listed in insecureRegistries', async () => {
    process.env.SHIPSHAPE_NX_TEST_TLS_PASSWORD = env.tlsPassword;
    try {
      const credentials = ['security:', '  registries:', `    "${env.tlsRegistry}":`, `      username: ${env.tlsUsername}`, '      password: env://SHIPSHAPE_NX_TEST_TLS_PASSWORD', ''];
      await workspace.write('security.yaml', credentials.join('\n'));

      const refused = await run({ image: debian.references.tls });
      expect(refused.result.success).toBe(false);
      expect(refused.stderr[0]).toMatch(/^error: api: .*certificate/i);
      expect(noStackTrace(refused.stderr)).toBe(true);

      const allowed = await run({ image: debian.references.tls, insecureRegistries: [env.tlsRegistry] });
      expect(allowed.result.success).toBe(true);
      expect(await imageJson()).toMatchObject({ digest: debian.digest });
    } finally {
      delete process.env.SHIPSHAPE_NX_TEST_TLS_PASSWORD;
    }
  });

  it('fails with one clear line, and no stale image.json, when the tag does not exist', async () => {
    await workspace.write('dist/shipshape/apps/api/image.json', '{"stale": true}\n');

    const { result, stdout, stderr } = await run({ image: `${env.registry}/shipshape/debian12:no-such-tag` });

    expect(result).toEqual({ success: false });
    expect(stdout).toEqual([]);
    expect(stderr[0]).toMatch(/^error: api: .*no-such-tag.*not found/);
    expect(noStackTrace(stderr)).toBe(true);
    expect(await exists('dist/shipshape/apps/api/image.json')).toBe(false);
  });

  it('does not fall back when the image option names a digest that is not there', async () => {
    const missing = `${env.registry}/shipshape/debian12@sha256:${randomBytes(32).toString('hex')}`;
    await workspace.write('tmp/apps/api/.docker-version', debian.references.plain);

    const { result, stderr } = await run({ image: missing });

    expect(result.success).toBe(false);
    expect(stderr[0]).toMatch(/^error: api: .*not found/);
  });

  it('says what to set when there is no image anywhere', async () => {
    const { result, stderr } = await run({});

    expect(result.success).toBe(false);
    expect(stderr[0]).toBe('error: api: no image to resolve: no `image` option and no build output (nx-container digest, @nx/docker version file)');
    expect(stderr[1]).toMatch(/^ {2}hint: set the target's "image" option/);
  });

  it('refuses to write image.json where the cached steps would not see it', async () => {
    const { result, stderr } = await run({ image: debian.references.plain }, { ...target, outputs: ['{workspaceRoot}/dist/other'] });

    expect(result.success).toBe(false);
    expect(stderr[0]).toBe('error: api: dist/shipshape/apps/api/image.json is not among the outputs of api:image-digest (dist/other)');
    expect(stderr[1]).toContain('add "{workspaceRoot}/dist/shipshape/apps/api/image.json" to the target\'s "outputs"');
    expect(await exists('dist/shipshape/apps/api/image.json')).toBe(false);
  });

  it('writes to outputPath when the outputs declare it', async () => {
    const custom = { ...target, outputs: ['{workspaceRoot}/out/{projectName}'] };

    const { result } = await run({ image: debian.references.plain, outputPath: 'out/api/image.json' }, custom);

    expect(result.success).toBe(true);
    expect(await imageJson('out/api/image.json')).toMatchObject({ digest: debian.digest });
  });

  it('reports an invalid security.yaml by file, line and field', async () => {
    await workspace.write('security.yaml', 'security:\n  sbom:\n    enabled: maybe\n');

    const { result, stderr } = await run({ image: debian.references.plain });

    expect(result.success).toBe(false);
    expect(stderr[0]).toMatch(/^error: api: security\.yaml:3:\d+: sbom\.enabled: /);
    expect(noStackTrace(stderr)).toBe(true);
  });
});
