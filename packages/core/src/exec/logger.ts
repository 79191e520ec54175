/**
 * One logger for the engine, the CLI and the Nx executors. Every line passes through the secret
 * registry, so nothing registered can reach a terminal, a CI log or an Nx cache's terminal output.
 */
import { SecretRegistry, secrets as processSecrets } from './secrets';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogSink {
  write(level: LogLevel, line: string): void;
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A logger whose lines start with `[scope]`, e.g. the name of a tool whose output is streamed. */
  child(scope: string): Logger;
  readonly secrets: SecretRegistry;
}

export interface LoggerOptions {
  verbose?: boolean;
  sink?: LogSink;
  secrets?: SecretRegistry;
  scope?: string;
}

const PREFIX: Record<LogLevel, string> = { debug: 'debug: ', info: '', warn: 'warning: ', error: 'error: ' };

/** Human output goes to stderr, so stdout stays clean for `--output json` data. */
export const stderrSink: LogSink = {
  write: (_level, line) => process.stderr.write(`${line}\n`),
};

/** Collects lines in memory: for tests, and for summaries an executor prints at its end. */
export class MemorySink implements LogSink {
  readonly lines: { level: LogLevel; line: string }[] = [];
  write(level: LogLevel, line: string): void {
    this.lines.push({ level, line });
  }
  text(): string {
    return this.lines.map((l) => l.line).join('\n');
  }
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const sink = options.sink ?? stderrSink;
  const registry = options.secrets ?? processSecrets;
  const verbose = options.verbose ?? false;
  const scope = options.scope ? `[${options.scope}] ` : '';

  const emit = (level: LogLevel, message: string) => {
    if (level === 'debug' && !verbose) return;
    for (const line of registry.redact(message).split(/\r?\n/)) {
      sink.write(level, `${PREFIX[level]}${scope}${line}`);
    }
  };

  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
    child: (childScope) =>
      createLogger({ verbose, sink, secrets: registry, scope: options.scope ? `${options.scope}:${childScope}` : childScope }),
    secrets: registry,
  };
}
