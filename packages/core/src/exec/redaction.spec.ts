/**
 * Issue 2, item 4: a secret printed by a child tool never reaches the logger's output, nor an error
 * message. The tool is a real process; the logger is the real one, writing to a memory sink.
 */
import { writeFileSync } from 'node:fs';
import { ToolError } from './classify';
import { findExecutable, type ToolHandle } from './find';
import { createLogger, MemorySink, type Logger } from './logger';
import { runTool } from './run';
import { REDACTED, SecretRegistry, secrets as processSecrets } from './secrets';
import { makeToolDir, type ToolDir } from './test-support/fake-tools';

const PASSWORD = 'correct-horse-battery-staple-42';
const TOKEN = 'ghp_5ecretT0kenValueFromTheCIProvider';
const KEY_LINES = ['MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgQ2h', 'pbmcgYmVhcnMgYXJlIGFsd2F5cyBvbiB0aGUgbW92ZSBhdCBuaWdo'];
const KEY_PEM = `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${KEY_LINES.join('\n')}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;

/** Prints every secret it can get hold of, in the forms tools print them, on both streams. */
const LEAKY_TOOL = `
const fs = require('fs');
const password = process.env.COSIGN_PASSWORD;
const token = process.env.REGISTRY_AUTH;
const key = fs.readFileSync(process.argv[2], 'utf8');
console.log('using password ' + password);
console.log(JSON.stringify({ auth: { token: token, password: password } }));
console.error('auth header: Basic ' + Buffer.from('ci-bot:' + password).toString('base64'));
console.error('loaded key:');
process.stderr.write(key);
console.error('token=' + token);
process.exit(Number(process.argv[3] ?? 0));`;

describe('secrets printed by a child tool', () => {
  let bin: ToolDir;
  let leaky: ToolHandle;
  let keyFile: string;

  beforeEach(async () => {
    bin = makeToolDir();
    bin.script('leaky', LEAKY_TOOL);
    leaky = { name: 'leaky', path: (await findExecutable('leaky', { env: bin.env() })) ?? '' };
    keyFile = bin.file('cosign.key');
    writeFileSync(keyFile, KEY_PEM);
  });
  afterEach(() => bin.remove());

  function expectNoSecret(text: string): void {
    for (const secret of [PASSWORD, TOKEN, ...KEY_LINES, Buffer.from(`ci-bot:${PASSWORD}`).toString('base64').slice(4, 24)]) {
      expect(text).not.toContain(secret);
    }
  }

  /** The caller's side of a signing step: the key it read is registered, the password and token go via env. */
  function run(logger: Logger, exitCode: number) {
    logger.secrets.add(KEY_PEM);
    return runTool(leaky, [keyFile, String(exitCode)], {
      logger,
      env: { COSIGN_PASSWORD: PASSWORD },
      secretEnv: { REGISTRY_AUTH: TOKEN },
    });
  }

  it('never reach the logger output, in any form, even with --verbose', async () => {
    const sink = new MemorySink();
    const result = await run(createLogger({ sink, verbose: true, secrets: new SecretRegistry() }), 0);
    const output = sink.text();
    expectNoSecret(output);
    // The lines are there, masked, so the test is not passing on silence.
    expect(output).toContain(`[leaky] using password ${REDACTED}`);
    expect(output).toContain(`[leaky] {"auth":{"token":"${REDACTED}","password":"${REDACTED}"}}`);
    expect(output).toContain(`[leaky] token=${REDACTED}`);
    expect(output).toContain(`[leaky] ${REDACTED}`); // a key line
    expect(output).toContain('[leaky] -----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----');
    expect(sink.lines.filter((l) => l.line.includes(REDACTED)).length).toBeGreaterThanOrEqual(6);
    // Diagnostics handed back to the caller are redacted too.
    expectNoSecret(result.stderr);
  });

  it('never reach an error message when the tool fails', async () => {
    const sink = new MemorySink();
    const error = await run(createLogger({ sink, secrets: new SecretRegistry() }), 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    const toolError = error as ToolError;
    expectNoSecret(toolError.describe());
    expectNoSecret(toolError.stderrTail.join('\n'));
    expect(toolError.describe()).toContain(`token=${REDACTED}`);
    expectNoSecret(sink.text());
  });

  it('are masked by the default, process-wide registry the CLI logger uses', async () => {
    const sink = new MemorySink();
    const logger = createLogger({ sink, verbose: true });
    expect(logger.secrets).toBe(processSecrets);
    await run(logger, 0);
    expectNoSecret(sink.text());
    expect(sink.text()).toContain(`[leaky] using password ${REDACTED}`);
  });
});
