/**
 * Typed errors carry what a user needs to act: what went wrong, where, and how to fix it.
 * The CLI maps them to exit codes (DESIGN.md): 1 a check or policy failed, 2 bad usage, config or input.
 */
export type ErrorKind =
  | 'usage' // bad flags or arguments
  | 'config' // invalid security configuration
  | 'input' // a file, image or response that cannot be used
  | 'tool' // an external tool is missing, too old, failed or timed out
  | 'network' // a server could not be reached or kept failing
  | 'check'; // a verification or policy check failed

export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_USAGE = 2;

export interface ShipshapeErrorOptions {
  /** Where the problem is: a file:line:column, an image reference, a URL. */
  where?: string;
  /** How to fix it, one sentence. */
  hint?: string;
  /** A machine-readable reason callers may branch on, e.g. NOT_FOUND. */
  code?: 'NOT_FOUND' | 'UNAUTHORIZED' | 'DENIED';
  cause?: unknown;
}

export class ShipshapeError extends Error {
  readonly where?: string;
  readonly hint?: string;
  readonly code?: ShipshapeErrorOptions['code'];

  constructor(
    readonly kind: ErrorKind,
    message: string,
    options: ShipshapeErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ShipshapeError';
    this.where = options.where;
    this.hint = options.hint;
    this.code = options.code;
  }

  get exitCode(): number {
    // A failed check, a failing tool or an unreachable server fails the step (1); everything the
    // user can fix in what they typed or wrote (usage, config, input) is 2.
    return this.kind === 'usage' || this.kind === 'config' || this.kind === 'input' ? EXIT_USAGE : EXIT_CHECK_FAILED;
  }

  /** One line (or a few) for the terminal: never a stack trace. */
  describe(): string {
    const where = this.where ? `${this.where}: ` : '';
    const hint = this.hint ? `\n  hint: ${this.hint}` : '';
    return `${where}${this.message}${hint}`;
  }
}

export function isShipshapeError(error: unknown): error is ShipshapeError {
  return error instanceof ShipshapeError;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ShipshapeError && error.code === 'NOT_FOUND';
}
