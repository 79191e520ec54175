import { readFileSync } from 'node:fs';
import { findTool } from './find';
import { createLogger, MemorySink } from './logger';
import { SecretRegistry } from './secrets';
import { countRuns, makeToolDir, type ToolDir } from './test-support/fake-tools';
import { clearToolVersionCache, findCheckedTool, toolVersion } from './version';

/** A fake trivy that answers `trivy version -f json` (or only `--version`, like older releases). */
function fakeTrivy(bin: ToolDir, version: string, options: { json: boolean }): string {
  return bin.script(
    'trivy',
    `${countRuns(bin.file('runs'))}
const args = process.argv.slice(2).join(' ');
if (args === 'version -f json' && ${options.json}) {
  console.log(JSON.stringify({ Version: ${JSON.stringify(version)}, VulnerabilityDB: { Version: 2 } }));
} else if (args === '--version') {
  console.log('Version: ${version}\\nVulnerability DB:\\n  Version: 2');
} else {
  console.error('Error: unknown command "' + args + '" for "trivy"');
  process.exit(1);
}`,
  );
}

describe('tool versions', () => {
  let bin: ToolDir;
  let sink: MemorySink;
  const logger = () => createLogger({ sink, secrets: new SecretRegistry(), verbose: true });

  beforeEach(() => {
    bin = makeToolDir();
    sink = new MemorySink();
    clearToolVersionCache();
  });
  afterEach(() => bin.remove());

  it('reads the version of a tool in the tested range without warning', async () => {
    fakeTrivy(bin, '0.56.2', { json: true });
    const tool = await findTool('trivy', { env: bin.env() });
    expect(await toolVersion(tool, { logger: logger() })).toEqual({ version: '0.56.2', inTestedRange: true, testedRange: '>=0.50.0 <1.0.0' });
    expect(sink.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('falls back to the text form when the JSON form is not supported', async () => {
    fakeTrivy(bin, '0.51.0', { json: false });
    const tool = await findTool('trivy', { env: bin.env() });
    expect((await toolVersion(tool, { logger: logger() })).version).toBe('0.51.0');
    expect(readFileSync(bin.file('runs'), 'utf8')).toBe('2');
  });

  it('warns, once, when the version is outside the tested range, and does not fail', async () => {
    fakeTrivy(bin, '0.45.0', { json: true });
    const tool = await findTool('trivy', { env: bin.env() });
    const first = await toolVersion(tool, { logger: logger() });
    const second = await toolVersion(tool, { logger: logger() });
    expect(first).toEqual({ version: '0.45.0', inTestedRange: false, testedRange: '>=0.50.0 <1.0.0' });
    expect(second).toEqual(first);
    const warnings = sink.lines.filter((l) => l.level === 'warn').map((l) => l.line);
    expect(warnings).toEqual([
      'warning: trivy 0.45.0 is outside the tested range (>=0.50.0 <1.0.0); it may work, but if it fails, use a version in that range',
    ]);
    // Cached per path: the version command ran once for both calls.
    expect(readFileSync(bin.file('runs'), 'utf8')).toBe('1');
  });

  it('warns and carries on when no version can be read', async () => {
    bin.script('cosign', 'console.log("cosign (development build)");');
    const tool = await findCheckedTool('cosign', { env: bin.env(), logger: logger() });
    expect(tool.version).toEqual({ testedRange: '>=2.2.0 <4.0.0' });
    expect(sink.text()).toContain('could not read the version of cosign');
    expect(sink.text()).toContain('`cosign version --json` or `cosign version`');
  });
});
