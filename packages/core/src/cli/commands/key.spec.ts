/** `shipshape key generate` writes a cosign-format key pair that loads back, that OpenSSL reads, and never overwrites by accident. */
import { execFileSync } from 'node:child_process';
import { chmod, readFile, stat } from 'node:fs/promises';
import { makeTempDir, type TempDir } from '../../config/test-support/temp-dir';
import { loadSigningKey } from '../../signing/keys';
import type { CliIO } from '../context';
import { runCli } from '../main';

async function run(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, cwd };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const mode = async (file: string) => (await stat(file)).mode & 0o777;

describe('shipshape key generate', () => {
  const password = 'cli-generate-password-91';
  let dir: TempDir;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('writes cosign.key (encrypted, mode 0600) and cosign.pub, prints the paths, and the pair loads with COSIGN_PASSWORD', async () => {
    const result = await run(['--verbose', 'key', 'generate'], dir.root, { COSIGN_PASSWORD: password });
    expect(result).toEqual({ code: 0, stdout: 'Private key written to cosign.key\nPublic key written to cosign.pub\n', stderr: '' });
    expect(await mode(dir.path('cosign.key'))).toBe(0o600);
    const privatePem = await readFile(dir.path('cosign.key'), 'utf8');
    expect(privatePem).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
    expect(privatePem).not.toContain(password);

    const publicPem = await readFile(dir.path('cosign.pub'), 'utf8');
    expect(execFileSync('openssl', ['pkey', '-pubin', '-in', 'cosign.pub', '-noout', '-text'], { cwd: dir.root, encoding: 'utf8' })).toContain('NIST CURVE: P-256');
    const loaded = await loadSigningKey('cosign.key', { env: { COSIGN_PASSWORD: password }, cwd: dir.root });
    expect(loaded.publicKey.export({ type: 'spki', format: 'pem' })).toBe(publicPem);
  });

  it('takes --output-key-prefix (with a directory) and reports JSON with --output json', async () => {
    await dir.write('keys/.keep', '');
    const result = await run(['--output', 'json', 'key', 'generate', '--output-key-prefix', 'keys/release'], dir.root, { COSIGN_PASSWORD: '' });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ privateKey: dir.path('keys/release.key'), publicKey: dir.path('keys/release.pub') });
    // An empty password is allowed, as with cosign.
    await expect(loadSigningKey('keys/release.key', { env: { COSIGN_PASSWORD: '' }, cwd: dir.root })).resolves.toMatchObject({ description: 'key keys/release.key (ECDSA P-256)' });
  });

  it('refuses to overwrite an existing key unless --force, which replaces both files and keeps the key private', async () => {
    await dir.write('cosign.key', 'old key');
    const refused = await run(['key', 'generate'], dir.root, { COSIGN_PASSWORD: password });
    expect(refused).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: cosign.key already exists; not overwriting a key\n  hint: choose another --output-key-prefix, or pass --force to replace the existing key pair\n',
    });
    expect(await readFile(dir.path('cosign.key'), 'utf8')).toBe('old key');
    await expect(stat(dir.path('cosign.pub'))).rejects.toThrow();

    await chmod(dir.path('cosign.key'), 0o644);
    const forced = await run(['key', 'generate', '--force'], dir.root, { COSIGN_PASSWORD: password });
    expect(forced.code).toBe(0);
    expect(await mode(dir.path('cosign.key'))).toBe(0o600);
    await expect(loadSigningKey('cosign.key', { env: { COSIGN_PASSWORD: password }, cwd: dir.root })).resolves.toBeDefined();
  });

  it('needs COSIGN_PASSWORD to be set', async () => {
    const result = await run(['key', 'generate'], dir.root, {});
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: COSIGN_PASSWORD is not set: it is the password that encrypts the new private key\n  hint: set COSIGN_PASSWORD (it may be empty, for a key without a password), as for `cosign generate-key-pair`\n',
    );
  });

  it('says when the target directory does not exist', async () => {
    const result = await run(['key', 'generate', '--output-key-prefix', 'nowhere/cosign'], dir.root, { COSIGN_PASSWORD: password });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: cannot write nowhere/cosign.key: the directory ${dir.path('nowhere')} does not exist\n`);
  });
});
