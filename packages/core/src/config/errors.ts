/** Configuration problems: each names the file, line, column and field, and says what to change. */
import * as path from 'node:path';
import { ShipshapeError } from '../errors';

export interface ConfigError {
  /** Absolute file path, or a label for sources that are not files (`nx options`, `cli`). */
  file: string;
  /** 1-based; absent for sources that are not files. */
  line?: number;
  column?: number;
  /** The field, e.g. `scan.tools[0].failOn`; empty when the problem is the file itself (YAML syntax). */
  path: string;
  message: string;
}

/** `file:line:col: path: message`, with the file relative to `cwd` when it lies below it. */
export function formatConfigError(error: ConfigError, cwd?: string): string {
  const position = error.line === undefined ? '' : `:${error.line}:${error.column ?? 1}`;
  const field = error.path ? `${error.path}: ` : '';
  return `${displayPath(error.file, cwd)}${position}: ${field}${error.message}`;
}

/** A path relative to `cwd` when it is inside it (shorter to read), else as is. */
export function displayPath(file: string, cwd?: string): string {
  if (!cwd || !path.isAbsolute(file)) return file;
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** Thrown when the configuration is invalid: every problem found, one per line. */
export class ConfigValidationError extends ShipshapeError {
  constructor(
    readonly errors: readonly ConfigError[],
    cwd?: string,
  ) {
    const lines = errors.map((e) => formatConfigError(e, cwd));
    const message =
      lines.length === 1 ? lines[0] : `the security configuration has ${lines.length} problems:\n${lines.map((l) => `  ${l}`).join('\n')}`;
    super('config', message, { hint: 'fix the configuration; `shipshape config validate` checks it' });
    this.name = 'ConfigValidationError';
  }
}
