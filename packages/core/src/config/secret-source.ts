/**
 * Secret sources: where a password or API key is read from. A configuration file is committed to git
 * and printed by `config show`, so it may only say *where* a secret is (`env://VAR`, `file://PATH`),
 * never hold the secret itself. Resolved values are registered with the redaction registry first.
 */
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { z } from 'zod';
import { ShipshapeError } from '../errors';
import { secrets as processSecrets, type SecretRegistry } from '../exec/secrets';

export type SecretSource = { kind: 'env'; variable: string } | { kind: 'file'; path: string };

const ENV_PREFIX = 'env://';
const FILE_PREFIX = 'file://';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Secrets are short; a bigger file is a wrong path (a tarball, a log), not a password. */
const MAX_SECRET_FILE_BYTES = 1024 * 1024;

export const SECRET_SOURCE_HOWTO =
  'use `env://VARIABLE` to read it from an environment variable (e.g. a CI secret) or `file://PATH` to read it from a file';

/** Parses `env://VAR` or `file://PATH`; undefined for anything else. */
export function parseSecretSource(text: string): SecretSource | undefined {
  if (text.startsWith(ENV_PREFIX)) {
    const variable = text.slice(ENV_PREFIX.length);
    return ENV_NAME.test(variable) ? { kind: 'env', variable } : undefined;
  }
  if (text.startsWith(FILE_PREFIX)) {
    const filePath = text.slice(FILE_PREFIX.length);
    return filePath.length > 0 ? { kind: 'file', path: filePath } : undefined;
  }
  return undefined;
}

/** Why a string is not a secret source, without ever repeating the string (it may be the secret). */
export function secretSourceProblem(text: string): string | undefined {
  if (parseSecretSource(text)) return undefined;
  if (text.startsWith(ENV_PREFIX)) return '`env://` needs an environment variable name, e.g. env://COSIGN_PASSWORD';
  if (text.startsWith(FILE_PREFIX)) return '`file://` needs a path, e.g. file:///run/secrets/cosign-password';
  return `a secret cannot be written into the configuration (the file is committed to git); ${SECRET_SOURCE_HOWTO}`;
}

export const secretSourceSchema = z.string().superRefine((text, ctx) => {
  const problem = secretSourceProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export interface ResolveSecretOptions {
  /** Relative `file://` paths are resolved against this (the loader already made them absolute). */
  baseDir?: string;
  /** The field the source came from, e.g. `signing.password`, named in error messages. */
  field?: string;
  registry?: SecretRegistry;
}

/**
 * Reads the secret a source points to and registers it for redaction before returning it, so it
 * cannot appear in any later log line or error. A file's single trailing newline is dropped
 * (`echo secret > file` writes one); an empty environment variable is a valid empty password.
 */
export async function resolveSecret(
  source: string,
  env: NodeJS.ProcessEnv = process.env,
  options: ResolveSecretOptions = {},
): Promise<string> {
  const registry = options.registry ?? processSecrets;
  const field = options.field ? `${options.field}: ` : '';
  const parsed = parseSecretSource(source);
  if (!parsed) {
    throw new ShipshapeError('config', `${field}not a secret source: ${secretSourceProblem(source)}`);
  }
  const value = parsed.kind === 'env' ? readEnv(parsed.variable, env, field) : await readSecretFile(parsed.path, options.baseDir, field);
  registry.add(value);
  return value;
}

function readEnv(variable: string, env: NodeJS.ProcessEnv, field: string): string {
  const value = env[variable];
  if (value === undefined) {
    throw new ShipshapeError('config', `${field}environment variable ${variable} is not set`, {
      hint: `set ${variable} (in CI, from a secret) or point the configuration at another env:// variable or a file://`,
    });
  }
  return value;
}

async function readSecretFile(filePath: string, baseDir: string | undefined, field: string): Promise<string> {
  const absolute = path.resolve(baseDir ?? process.cwd(), filePath);
  let size: number;
  try {
    const info = await stat(absolute);
    if (!info.isFile()) throw new ShipshapeError('config', `${field}secret file ${absolute} is not a regular file`);
    size = info.size;
  } catch (error) {
    if (error instanceof ShipshapeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable' : `cannot be read (${code ?? 'error'})`;
    throw new ShipshapeError('config', `${field}secret file ${absolute} ${what}`, {
      hint: 'create the file (e.g. from a CI secret) or change the file:// path in the configuration',
    });
  }
  if (size > MAX_SECRET_FILE_BYTES) {
    throw new ShipshapeError('config', `${field}secret file ${absolute} is ${size} bytes; a secret file holds at most 1 MiB`);
  }
  const text = await readFile(absolute, 'utf8');
  return text.replace(/\r?\n$/, '');
}
