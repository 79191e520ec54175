/**
 * Running an external tool: timeout, cancellation, output streamed line by line through the logger
 * (so redacted), failures classified, and the network class retried with backoff.
 */
import type { Logger, LogLevel } from './logger';
import type { ToolHandle } from './find';
import { isSecretEnvName } from './secrets';
import { classifyOutcome, formatDuration, ToolError, type ToolFailure } from './classify';
import { withRetry, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';
import { loadExeca } from './esm';

export const DEFAULT_TOOL_TIMEOUT_MS = 10 * 60_000;

export interface RunToolOptions {
  /** Lines go to `logger.child(tool.name)`; its secret registry is the one redacting them. */
  logger: Logger;
  /** Kill the tool after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Aborting kills the tool (SIGTERM, then SIGKILL after 5s) and fails the run as 'cancelled'. */
  signal?: AbortSignal;
  /** Added to (or, with undefined, removed from) the inherited environment. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Added to the environment too, every value registered as a secret before the tool starts. */
  secretEnv?: Readonly<Record<string, string>>;
  cwd?: string;
  /** Written to the tool's stdin; without it stdin is closed, so a tool that prompts fails instead of hanging. */
  stdin?: string | Uint8Array;
  /** Stdout goes to this file instead of memory (large JSON reports); `stdout` is then ''. */
  stdoutFile?: string;
  /** The level streamed lines are logged at (default 'debug', shown with --verbose). */
  logLevel?: Extract<LogLevel, 'debug' | 'info'>;
  /** Exit codes that are results, not failures (grype's `--fail-on`, trivy's `--exit-code`), or 'any'. */
  acceptExitCodes?: readonly number[] | 'any';
  /** Retries of the network class (default 3, backoff 1s doubling to 30s, full jitter). */
  retry?: Partial<RetryPolicy>;
}

export interface ToolResult {
  exitCode: number;
  /** The tool's data, exactly as printed: redact before showing it (callers parse it first). */
  stdout: string;
  /** Diagnostics, already redacted. */
  stderr: string;
  /** Of the last (successful) attempt. */
  durationMs: number;
  attempts: number;
}

/** Lines longer than this are shortened in the log (after redaction, so no secret is cut in half). */
const MAX_LOGGED_LINE = 4000;
/** Stderr lines quoted in an error message. */
const ERROR_TAIL_LINES = 5;
const MAX_TAIL_LINE = 500;

export async function runTool(tool: ToolHandle, args: readonly string[], options: RunToolOptions): Promise<ToolResult> {
  registerEnvSecrets(options);
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  try {
    return await withRetry((attempt) => runOnce(tool, args, options, attempt), {
      shouldRetry: (error) => error instanceof ToolError && error.failure === 'network',
      policy,
      signal: options.signal,
      onRetry: ({ attempt, delayMs }) =>
        options.logger.warn(
          `${tool.name} failed with a network error (attempt ${attempt} of ${policy.retries + 1}); retrying in ${formatDuration(delayMs)}`,
        ),
    });
  } catch (error) {
    // Aborted while waiting to retry: report the cancellation, not the network error before it.
    if (options.signal?.aborted && error instanceof ToolError && error.failure !== 'cancelled') {
      throw new ToolError({ tool: tool.name, failure: 'cancelled', attempts: error.attempts });
    }
    throw error;
  }
}

/** The secrets a tool is given reach its output first: register them before it starts. */
function registerEnvSecrets(options: RunToolOptions): void {
  const registry = options.logger.secrets;
  // The child inherits process.env; a logger with its own registry must know those secrets too.
  registry.addFromEnv(process.env);
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (isSecretEnvName(name)) registry.add(value);
  }
  registry.addAll(Object.values(options.secretEnv ?? {}));
}

async function runOnce(tool: ToolHandle, args: readonly string[], options: RunToolOptions, attempt: number): Promise<ToolResult> {
  const { execa } = await loadExeca();
  const log = options.logger.child(tool.name);
  const registry = options.logger.secrets;
  const emit = options.logLevel === 'info' ? log.info : log.debug;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;

  // Each line is logged as it arrives and passed on unchanged (newlines kept, so captured output is exact).
  const streamToLog = {
    transform: function* (line: unknown) {
      const text = String(line).replace(/\r?\n$/, '');
      if (text.trim()) emit(shorten(registry.redact(text), MAX_LOGGED_LINE));
      yield line;
    },
    preserveNewlines: true,
  };

  log.debug(`running ${[tool.path, ...args].join(' ')}${options.cwd ? ` in ${options.cwd}` : ''}`);
  const result = await execa(tool.path, [...args], {
    reject: false,
    timeout: timeoutMs,
    cancelSignal: options.signal,
    cwd: options.cwd,
    env: { ...options.env, ...options.secretEnv },
    extendEnv: true,
    ...(options.stdin === undefined ? { stdin: 'ignore' as const } : { input: options.stdin }),
    stdout: options.stdoutFile ? { file: options.stdoutFile } : [streamToLog, 'pipe'],
    stderr: [streamToLog, 'pipe'],
    buffer: { stdout: !options.stdoutFile, stderr: true },
    stripFinalNewline: false,
  });

  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const stderr = registry.redact(typeof result.stderr === 'string' ? result.stderr : '');
  const accepted = options.acceptExitCodes ?? [];
  const failure: ToolFailure | undefined = result.isMaxBuffer
    ? 'exit-status'
    : classifyOutcome(
        {
          exitCode: result.exitCode,
          signal: result.signal,
          timedOut: result.timedOut,
          cancelled: result.isCanceled,
          spawnErrorCode: result.exitCode === undefined && !result.signal ? result.code : undefined,
          stderr,
        },
        (code) => accepted === 'any' || accepted.includes(code),
      );

  if (failure === undefined) {
    return { exitCode: result.exitCode ?? 0, stdout, stderr, durationMs: result.durationMs, attempts: attempt };
  }

  const clue = failureClue(failure, stderr, options.stdoutFile ? '' : registry.redact(stdout));
  throw new ToolError({
    tool: tool.name,
    failure,
    exitCode: result.exitCode,
    signal: failure === 'cancelled' || failure === 'timed-out' ? undefined : result.signal,
    stderrTail: tail(clue),
    attempts: attempt,
    timeoutMs,
    summary: result.isMaxBuffer
      ? `${tool.name} printed more output than can be held in memory; write it to a file instead (stdoutFile)`
      : failure === 'not-installed'
        ? `${tool.name} could not be started from ${tool.path} (${result.code ?? 'unknown error'}${options.cwd ? ` in ${options.cwd}` : ''})`
        : undefined,
  });
}

/**
 * The output worth quoting in the error: stderr, or with nothing there the end of stdout (some tools
 * print errors there). A cancellation or a failed start needs none: the caller or the path explains it.
 */
function failureClue(failure: ToolFailure, stderr: string, stdout: string): string {
  if (failure === 'cancelled' || failure === 'not-installed') return '';
  return stderr.trim() ? stderr : stdout;
}

function tail(text: string): string[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim())
    .slice(-ERROR_TAIL_LINES)
    .map((line) => shorten(line, MAX_TAIL_LINE));
}

function shorten(line: string, max: number): string {
  return line.length <= max ? line : `${line.slice(0, max)}… (${line.length - max} more characters)`;
}
