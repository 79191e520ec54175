/**
 * Output of an executor: every line goes through core's redacting logger (Nx keeps terminal output
 * in its cache, local and remote, so nothing registered as a secret may reach it), and an error is
 * one clear line (plus its hint), never a stack trace unless --verbose.
 */
import type { ExecutorContext } from '@nx/devkit';
import { createLogger, isShipshapeError, type Logger, type LogSink } from '@shipshape/core/base';

/** Nx shows both streams; errors and warnings on stderr as tools usually do. */
const terminalSink: LogSink = {
  write: (level, line) => (level === 'warn' || level === 'error' ? process.stderr : process.stdout).write(`${line}\n`),
};

export function executorLogger(context: Pick<ExecutorContext, 'isVerbose'>, sink: LogSink = terminalSink): Logger {
  return createLogger({ verbose: context.isVerbose, sink });
}

/** `sha256:0123456789ab…`: enough to recognise an image in a log line. */
export function shortDigest(digest: string): string {
  const [algorithm, hex = ''] = digest.split(':');
  return hex.length > 12 ? `${algorithm}:${hex.slice(0, 12)}…` : digest;
}

/**
 * Runs an executor's body: its result decides success; a thrown error is printed as the CLI prints
 * it (`error: <project>: what, where` and an indented hint), and turns into `{ success: false }`.
 */
export async function runExecutorBody(
  context: Pick<ExecutorContext, 'isVerbose' | 'projectName'>,
  body: (logger: Logger) => Promise<boolean | void>,
  sink: LogSink = terminalSink,
): Promise<{ success: boolean }> {
  const logger = executorLogger(context, sink);
  try {
    return { success: (await body(logger)) !== false };
  } catch (error) {
    for (const line of logger.secrets.redact(`error: ${describeFailure(error, context)}`).split(/\r?\n/)) sink.write('error', line);
    return { success: false };
  }
}

function describeFailure(error: unknown, context: Pick<ExecutorContext, 'isVerbose' | 'projectName'>): string {
  const project = context.projectName ? `${context.projectName}: ` : '';
  if (isShipshapeError(error)) return `${project}${error.describe()}`;
  // Not one of ours: still one line, with the stack only when asked for.
  const message = error instanceof Error ? error.message : String(error);
  const stack = context.isVerbose && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  return `${project}${message}${stack}`;
}
