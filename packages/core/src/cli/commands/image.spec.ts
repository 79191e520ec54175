/**
 * `shipshape image digest` agrees with skopeo (an independent implementation) on every fixture image,
 * for registry and oci: references; for docker-archive it reports the config digest and says so.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../main';
import type { CliIO } from '../context';
import { fixtureImages, testEnv } from '../../test-support/test-env';

const exec = promisify(execFile);
const env = testEnv();

async function shipshape(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { ...process.env, ...extraEnv }, cwd: process.cwd() };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

async function skopeoDigest(ref: string, flags: string[] = []): Promise<string> {
  const { stdout } = await exec('skopeo', ['inspect', ...flags, '--format', '{{.Digest}}', ref]);
  return stdout.trim();
}

async function tlsConfigFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'shipshape-cfg-'));
  const file = join(dir, 'security.yaml');
  await writeFile(
    file,
    `registries:\n  "${env.tlsRegistry}":\n    caFile: ${env.tlsCaFile}\n    username: ${env.tlsUsername}\n    password: env://TEST_REGISTRY_PASSWORD\n`,
  );
  return file;
}

describe('shipshape image digest', () => {
  it.each(fixtureImages().map((i) => [i.name, i] as const))('agrees with skopeo on %s in the plain registry and the OCI layout', async (_name, image) => {
    for (const [ours, theirs, flags] of [
      [image.references.plain, `docker://${image.references.plain}`, ['--tls-verify=false']],
      [image.layoutReference, image.layoutReference, []],
    ] as const) {
      const result = await shipshape(['image', 'digest', '--image', ours]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(await skopeoDigest(theirs, [...flags]));
      expect(result.stdout.trim()).toBe(image.digest);
    }
  });

  it('reads the TLS registry with the CA and credentials from the configuration, never printing the password', async () => {
    const config = await tlsConfigFile();
    for (const image of fixtureImages()) {
      const result = await shipshape(['--config', config, '--output', 'json', 'image', 'digest', '--image', image.references.tls], {
        TEST_REGISTRY_PASSWORD: env.tlsPassword,
      });
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout) as { digest: string; reference: string; platforms: { platform: string }[] };
      const theirs = await skopeoDigest(`docker://${image.references.tls}`, ['--cert-dir', env.tlsCertDir!, '--creds', `${env.tlsUsername}:${env.tlsPassword}`]);
      expect(json.digest).toBe(theirs);
      expect(json.reference).toBe(`${image.references.tls.replace(/:[^:/]+$/, '')}@${theirs}`);
      expect(json.platforms.map((p) => p.platform)).toEqual(image.platforms.map((p) => `${p.os}/${p.architecture}`));
      expect(result.stdout + result.stderr).not.toContain(env.tlsPassword);
    }
  });

  it('exits 2 with the reason when the TLS registry needs credentials that are not configured', async () => {
    const result = await shipshape(['image', 'digest', '--image', fixtureImages()[0]!.references.tls]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/certificate|authentication/);
    expect(result.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
  });

  it('reports the config digest of a docker-archive and says so', async () => {
    const image = fixtureImages().find((i) => i.name === 'debian12')!;
    const dir = await mkdtemp(join(tmpdir(), 'shipshape-archive-'));
    const archive = join(dir, 'debian12.tar');
    await exec('skopeo', ['copy', image.layoutReference, `docker-archive:${archive}:shipshape/debian12:1`]);
    // skopeo converts the config to Docker's format when writing the archive; it reads the archive back independently.
    const { stdout: raw } = await exec('skopeo', ['inspect', '--raw', `docker-archive:${archive}`]);
    const configDigest = (JSON.parse(raw) as { config: { digest: string } }).config.digest;

    const text = await shipshape(['image', 'digest', '--image', `docker-archive:${archive}`]);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe(configDigest);
    const json = await shipshape(['--output', 'json', 'image', 'digest', '--image', `docker-archive:${archive}`]);
    expect(JSON.parse(json.stdout)).toMatchObject({ digest: configDigest, digestKind: 'config', platforms: [{ platform: 'linux/amd64' }] });
  });

  it('rejects a malformed reference with exit 2 and one message', async () => {
    const result = await shipshape(['image', 'digest', '--image', 'ghcr.io/Acme/api']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/invalid image reference "ghcr.io\/Acme\/api": the path component "Acme"/);
  });
});
