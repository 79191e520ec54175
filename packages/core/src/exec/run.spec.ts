import { existsSync, readFileSync } from 'node:fs';
import { ToolError } from './classify';
import { findExecutable, type ToolHandle } from './find';
import { createLogger, MemorySink } from './logger';
import { runTool } from './run';
import { SecretRegistry } from './secrets';
import { countRuns, isAlive, makeToolDir, type ToolDir } from './test-support/fake-tools';

describe('runTool', () => {
  let bin: ToolDir;
  let sink: MemorySink;
  let logger: ReturnType<typeof createLogger>;

  /** Writes a script onto the test PATH and finds it there, as findTool would. */
  async function tool(name: string, body: string): Promise<ToolHandle> {
    bin.script(name, body);
    const found = await findExecutable(name, { env: bin.env() });
    if (!found) throw new Error(`${name} was not found`);
    return { name, path: found };
  }

  beforeEach(() => {
    bin = makeToolDir();
    sink = new MemorySink();
    logger = createLogger({ sink, verbose: true, secrets: new SecretRegistry() });
  });
  afterEach(() => bin.remove());

  it('captures stdout exactly and streams both streams through a child logger, line by line', async () => {
    const echo = await tool('echo-tool', `
process.stdout.write('{"a":1}\\r\\n{"b":2}\\nno newline at end');
console.error('progress 50%');
console.error('progress 100%');`);
    const result = await runTool(echo, ['scan'], { logger });
    expect(result).toMatchObject({ exitCode: 0, stdout: '{"a":1}\r\n{"b":2}\nno newline at end', stderr: 'progress 50%\nprogress 100%\n', attempts: 1 });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    const toolLines = sink.lines.filter((l) => l.line.includes('[echo-tool]')).map((l) => l.line);
    expect(toolLines).toEqual(
      expect.arrayContaining([
        'debug: [echo-tool] {"a":1}',
        'debug: [echo-tool] {"b":2}',
        'debug: [echo-tool] no newline at end',
        'debug: [echo-tool] progress 50%',
        'debug: [echo-tool] progress 100%',
      ]),
    );
  });

  it('streams at info level when asked, so output shows without --verbose', async () => {
    const quietLogger = createLogger({ sink, secrets: new SecretRegistry() });
    const echo = await tool('echo-tool', `console.log('signing image');`);
    await runTool(echo, [], { logger: quietLogger, logLevel: 'info' });
    expect(sink.lines).toEqual([{ level: 'info', line: '[echo-tool] signing image' }]);
  });

  it('passes stdin, cwd and extra environment, and can remove an inherited variable', async () => {
    process.env.SHIPSHAPE_TEST_INHERITED = 'inherited';
    try {
      const probe = await tool('probe', `
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => console.log(JSON.stringify({ input, cwd: process.cwd(), extra: process.env.EXTRA, inherited: process.env.SHIPSHAPE_TEST_INHERITED ?? null })));`);
      const result = await runTool(probe, [], { logger, stdin: 'the sbom', cwd: bin.dir, env: { EXTRA: 'yes', SHIPSHAPE_TEST_INHERITED: undefined } });
      expect(JSON.parse(result.stdout)).toEqual({ input: 'the sbom', cwd: bin.dir, extra: 'yes', inherited: null });
    } finally {
      delete process.env.SHIPSHAPE_TEST_INHERITED;
    }
  });

  it('closes stdin when none is given, so a tool that prompts fails instead of hanging', async () => {
    const prompt = await tool('prompt', `
process.stderr.write('Enter password for private key: ');
process.stdin.on('data', () => {});
process.stdin.on('end', () => { console.error('no password given'); process.exit(1); });`);
    const error = await runTool(prompt, [], { logger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).message).toContain('no password given');
  });

  it('writes stdout to a file for big reports instead of holding it in memory', async () => {
    const report = await tool('report', `
const rows = Array.from({ length: 20000 }, (_, i) => ({ id: 'CVE-2024-' + i, severity: 'High' }));
process.stdout.write(JSON.stringify({ matches: rows }));`);
    const file = bin.file('report.json');
    const result = await runTool(report, [], { logger, stdoutFile: file });
    expect(result.stdout.length).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).matches).toHaveLength(20000);
  });

  it('fails on a non-zero exit with the tool, the status and the last stderr lines, without retrying', async () => {
    const failing = await tool('failing', `${countRuns(bin.file('runs'))}
for (let i = 1; i <= 8; i++) console.error('line ' + i);
console.error('boom: the image has no manifest for linux/s390x');
process.exit(3);`);
    const error = (await runTool(failing, ['sbom'], { logger, retry: { sleep: async () => undefined } }).catch((e: unknown) => e)) as ToolError;
    expect(error).toBeInstanceOf(ToolError);
    expect(error).toMatchObject({ kind: 'tool', failure: 'exit-status', toolExitCode: 3, attempts: 1, tool: 'failing' });
    expect(error.describe()).toBe(
      ['failing failed (exit status 3)', '  | line 5', '  | line 6', '  | line 7', '  | line 8', '  | boom: the image has no manifest for linux/s390x'].join('\n'),
    );
    expect(readFileSync(bin.file('runs'), 'utf8')).toBe('1');
  });

  it('returns exit codes the caller treats as data (a scanner policy exit) instead of failing', async () => {
    const scanner = await tool('scanner', `console.log('{"matches":[]}'); console.error('vulnerabilities found at or above high'); process.exit(2);`);
    const result = await runTool(scanner, [], { logger, acceptExitCodes: [2] });
    expect(result).toMatchObject({ exitCode: 2, stdout: '{"matches":[]}\n' });
    await expect(runTool(scanner, [], { logger, acceptExitCodes: [1] })).rejects.toMatchObject({ failure: 'exit-status', toolExitCode: 2 });
    await expect(runTool(scanner, [], { logger, acceptExitCodes: 'any' })).resolves.toMatchObject({ exitCode: 2 });
  });

  // The timeout is generous so a slow, busy machine still starts the script (and writes its pid) in time.
  it('kills a tool that runs past its timeout', async () => {
    const pidFile = bin.file('pid');
    const sleeper = await tool('sleeper', `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
console.error('waiting for the registry');
setTimeout(() => {}, 600000);`);
    const error = (await runTool(sleeper, [], { logger, timeoutMs: 3000 }).catch((e: unknown) => e)) as ToolError;
    expect(error).toMatchObject({ kind: 'tool', failure: 'timed-out' });
    expect(error.message).toBe('sleeper timed out after 3s\n  | waiting for the registry');
    expect(isAlive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('kills a tool when the caller aborts', async () => {
    const pidFile = bin.file('pid');
    const sleeper = await tool('sleeper', `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
console.log('started');
setTimeout(() => {}, 600000);`);
    const controller = new AbortController();
    // Abort once the tool has really started (its first line reached the logger).
    const watching = createLogger({
      verbose: true,
      secrets: new SecretRegistry(),
      sink: { write: (_level, line) => line.endsWith('started') && controller.abort() },
    });
    const error = (await runTool(sleeper, [], { logger: watching, signal: controller.signal }).catch((e: unknown) => e)) as ToolError;
    expect(error).toMatchObject({ kind: 'tool', failure: 'cancelled' });
    expect(error.message).toBe('sleeper was cancelled');
    expect(existsSync(pidFile)).toBe(true);
    expect(isAlive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('retries a network failure and succeeds, waiting the full-jitter schedule between attempts', async () => {
    const flaky = await tool('flaky', `${countRuns(bin.file('runs'))}
if (runs <= 2) {
  console.error('Error: GET https://127.0.0.1:1/v2/: dial tcp 127.0.0.1:1: connect: connection refused');
  process.exit(1);
}
console.log('pushed on attempt ' + runs);`);
    const sleeps: number[] = [];
    const result = await runTool(flaky, [], {
      logger,
      retry: { baseMs: 1000, capMs: 30_000, random: () => 0.25, sleep: async (ms) => void sleeps.push(ms) },
    });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'pushed on attempt 3\n', attempts: 3 });
    expect(readFileSync(bin.file('runs'), 'utf8')).toBe('3');
    expect(sleeps).toEqual([250, 500]);
    expect(sink.lines.filter((l) => l.level === 'warn').map((l) => l.line)).toEqual([
      'warning: flaky failed with a network error (attempt 1 of 4); retrying in 250ms',
      'warning: flaky failed with a network error (attempt 2 of 4); retrying in 500ms',
    ]);
  });

  it('gives up on a network failure after 3 retries with a network error', async () => {
    const down = await tool('down', `${countRuns(bin.file('runs'))}
console.error('Error: Get "https://registry.example/v2/": dial tcp: lookup registry.example: no such host');
process.exit(1);`);
    const sleeps: number[] = [];
    const error = (await runTool(down, [], { logger, retry: { baseMs: 100, capMs: 250, random: () => 0.999, sleep: async (ms) => void sleeps.push(ms) } }).catch(
      (e: unknown) => e,
    )) as ToolError;
    expect(error).toMatchObject({ kind: 'network', failure: 'network', toolExitCode: 1, attempts: 4 });
    expect(error.exitCode).toBe(1);
    expect(error.describe()).toBe(
      'down failed with a network error (exit status 1, after 4 attempts)\n  | Error: Get "https://registry.example/v2/": dial tcp: lookup registry.example: no such host',
    );
    expect(readFileSync(bin.file('runs'), 'utf8')).toBe('4');
    expect(sleeps).toEqual([99, 199, 249]);
  });

  it('reports a cancellation during the wait between retries as cancelled', async () => {
    const down = await tool('down', `console.error('dial tcp 127.0.0.1:1: connect: connection refused'); process.exit(1);`);
    const controller = new AbortController();
    const error = await runTool(down, [], {
      logger,
      signal: controller.signal,
      retry: {
        sleep: async () => {
          controller.abort();
        },
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: 'cancelled', attempts: 1 });
  });

  it('reports a tool that vanished after it was found as not installed', async () => {
    const error = await runTool({ name: 'trivy', path: bin.file('trivy') }, [], { logger }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'tool', failure: 'not-installed' });
    expect((error as ToolError).message).toBe(`trivy could not be started from ${bin.file('trivy')} (ENOENT)`);
  });
});
