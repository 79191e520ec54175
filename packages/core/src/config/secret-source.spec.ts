import { chmod } from 'node:fs/promises';
import { createLogger, MemorySink } from '../exec/logger';
import { SecretRegistry, secrets } from '../exec/secrets';
import { ShipshapeError } from '../errors';
import { parseSecretSource, resolveSecret, secretSourceSchema } from './secret-source';
import { makeTempDir, type TempDir } from './test-support/temp-dir';

describe('secret sources', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('accepts env:// and file:// and nothing else', () => {
    expect(parseSecretSource('env://COSIGN_PASSWORD')).toEqual({ kind: 'env', variable: 'COSIGN_PASSWORD' });
    expect(parseSecretSource('file:///run/secrets/pw')).toEqual({ kind: 'file', path: '/run/secrets/pw' });
    expect(parseSecretSource('file://secrets/pw')).toEqual({ kind: 'file', path: 'secrets/pw' });
    for (const bad of ['hunter22', 'env://', 'env://1BAD', 'env://WITH-DASH', 'file://', 'vault://x', '$COSIGN_PASSWORD']) {
      expect(parseSecretSource(bad)).toBeUndefined();
    }
  });

  it('explains why a literal is refused without repeating it', () => {
    const result = secretSourceSchema.safeParse('s3cr3t-value');
    expect(result.success).toBe(false);
    const message = result.error?.issues[0]?.message ?? '';
    expect(message).toContain('committed to git');
    expect(message).toContain('env://VARIABLE');
    expect(message).toContain('file://PATH');
    expect(message).not.toContain('s3cr3t-value');
  });

  it('reads an environment variable and registers the value for redaction', async () => {
    const registry = new SecretRegistry();
    const value = await resolveSecret('env://DOJO_TOKEN', { DOJO_TOKEN: 'tok-123456' }, { registry });
    expect(value).toBe('tok-123456');
    const sink = new MemorySink();
    createLogger({ sink, secrets: registry }).info('uploading with tok-123456');
    expect(sink.text()).toBe('uploading with ***');
  });

  it('registers with the process-wide registry by default', async () => {
    const value = await resolveSecret('env://SHIPSHAPE_TEST_SECRET', { SHIPSHAPE_TEST_SECRET: 'process-wide-secret-1' });
    expect(value).toBe('process-wide-secret-1');
    expect(secrets.has('process-wide-secret-1')).toBe(true);
  });

  it('reads a file relative to a base directory, without its trailing newline', async () => {
    await dir.write('secrets/pw', 'correct horse battery\n');
    const registry = new SecretRegistry();
    expect(await resolveSecret('file://secrets/pw', {}, { baseDir: dir.root, registry })).toBe('correct horse battery');
    expect(registry.redact('pw=correct horse battery')).toBe('pw=***');
    expect(await resolveSecret(`file://${dir.path('secrets/pw')}`, {}, { registry })).toBe('correct horse battery');
  });

  it('returns an empty variable as an empty password (cosign allows it)', async () => {
    expect(await resolveSecret('env://COSIGN_PASSWORD', { COSIGN_PASSWORD: '' }, { registry: new SecretRegistry() })).toBe('');
  });

  it('says which variable is unset and which field needed it', async () => {
    const error = await resolveSecret('env://DEFECTDOJO_API_KEY', {}, { field: 'scan.defectdojo.apiKey' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShipshapeError);
    expect((error as ShipshapeError).kind).toBe('config');
    expect((error as ShipshapeError).message).toBe('scan.defectdojo.apiKey: environment variable DEFECTDOJO_API_KEY is not set');
  });

  it('says which file is missing or unreadable', async () => {
    const missing = await resolveSecret('file://nope/pw', {}, { baseDir: dir.root, field: 'signing.password' }).catch((e: unknown) => e);
    expect((missing as ShipshapeError).message).toBe(`signing.password: secret file ${dir.path('nope/pw')} does not exist`);
    const directory = await resolveSecret(`file://${dir.root}`, {}).catch((e: unknown) => e);
    expect((directory as ShipshapeError).message).toContain('is not a regular file');
    if (process.getuid?.() !== 0) {
      const locked = await dir.write('locked', 'x');
      await chmod(locked, 0o000);
      expect(((await resolveSecret(`file://${locked}`, {}).catch((e: unknown) => e)) as ShipshapeError).message).toContain('is not readable');
    }
  });

  it('refuses a literal at resolution time too, without echoing it', async () => {
    const error = (await resolveSecret('literal-password', {}).catch((e: unknown) => e)) as ShipshapeError;
    expect(error.kind).toBe('config');
    expect(error.message).not.toContain('literal-password');
  });
});
