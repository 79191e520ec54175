import { mkdirSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import { isShipshapeError } from '../errors';
import { ToolError } from './classify';
import { findExecutable, findTool } from './find';
import { makeToolDir, type ToolDir } from './test-support/fake-tools';

describe('finding tools', () => {
  let bin: ToolDir;
  let other: ToolDir;

  beforeEach(() => {
    bin = makeToolDir();
    other = makeToolDir();
  });
  afterEach(() => {
    bin.remove();
    other.remove();
  });

  it('finds a tool on PATH, taking the first directory that has it', async () => {
    const first = other.script('trivy', 'console.log("first")');
    bin.script('trivy', 'console.log("second")');
    const found = await findTool('trivy', { env: { PATH: [other.dir, bin.dir].join(path.delimiter) } });
    expect(found).toMatchObject({ name: 'trivy', path: first, source: 'PATH' });
  });

  it('skips a file without the executable bit and keeps searching', async () => {
    other.script('grype', 'console.log("not executable")', 0o644);
    const executable = bin.script('grype', 'console.log("ok")');
    const found = await findTool('grype', { env: { PATH: [other.dir, bin.dir].join(path.delimiter) } });
    expect(found.path).toBe(executable);
  });

  it('skips a directory with the tool name, and empty or relative PATH entries', async () => {
    mkdirSync(path.join(other.dir, 'syft'));
    mkdirSync(path.join(other.dir, 'local'));
    const inCwd = other.script('syft-in-cwd', 'console.log("from the checkout")');
    renameSync(inCwd, path.join(other.dir, 'local', 'syft'));
    const executable = bin.script('syft', 'console.log("ok")');
    // '' and '.' would mean the current directory to a shell; here cwd holds a `syft` we must not run.
    const env = { PATH: ['', '.', 'local', other.dir, bin.dir].join(path.delimiter) };
    expect(await findExecutable('syft', { env, cwd: other.dir })).toBe(executable);
  });

  it('uses SHIPSHAPE_<TOOL>_PATH over PATH', async () => {
    bin.script('cosign', 'console.log("on path")');
    const pinned = other.script('cosign-2.4', 'console.log("pinned")');
    const found = await findTool('cosign', { env: bin.env({ SHIPSHAPE_COSIGN_PATH: pinned }) });
    expect(found).toMatchObject({ name: 'cosign', path: pinned, source: 'env' });
  });

  it('resolves a relative override against cwd, and a bare name on PATH', async () => {
    const pinned = other.script('my-trivy', 'console.log("pinned")');
    expect((await findTool('trivy', { env: { SHIPSHAPE_TRIVY_PATH: './my-trivy' }, cwd: other.dir })).path).toBe(pinned);
    expect((await findTool('trivy', { env: other.env({ SHIPSHAPE_TRIVY_PATH: 'my-trivy' }) })).path).toBe(pinned);
  });

  it('says in one line which variable is wrong when the override is not executable', async () => {
    const error = await findTool('syft', { env: bin.env({ SHIPSHAPE_SYFT_PATH: '/nonexistent/syft' }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    const text = (error as ToolError).describe();
    expect(text).not.toContain('\n');
    expect(text).toContain('SHIPSHAPE_SYFT_PATH');
    expect(text).toContain('/nonexistent/syft');
  });

  it('reports a missing tool in exactly one line that names it and says how to install it', async () => {
    const error = await findTool('grype', { env: bin.env() }).catch((e: unknown) => e);
    expect(isShipshapeError(error)).toBe(true);
    const toolError = error as ToolError;
    expect(toolError.kind).toBe('tool');
    expect(toolError.failure).toBe('not-installed');
    expect(toolError.exitCode).toBe(1);
    const text = toolError.describe();
    expect(text.split('\n')).toHaveLength(1);
    expect(text).toBe(
      'grype is not installed (not found on PATH): install it with `brew install grype` or see ' +
        'https://github.com/anchore/grype#installation, or set SHIPSHAPE_GRYPE_PATH to its location',
    );
  });
});
