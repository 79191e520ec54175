/**
 * Locating a tool's executable: an explicit path from SHIPSHAPE_<TOOL>_PATH wins, else the PATH
 * search a POSIX shell would do (first directory holding an executable regular file of that name).
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { ToolError } from './classify';
import { TOOLS, type ToolName, type ToolSpec } from './tools';

/** What runTool needs: a name for messages and log scopes, and the executable to start. */
export interface ToolHandle {
  name: string;
  path: string;
}

export interface FoundTool extends ToolHandle {
  name: ToolName;
  spec: ToolSpec;
  /** Where the path came from: the PATH search or the override variable. */
  source: 'PATH' | 'env';
}

export interface FindOptions {
  /** The environment holding PATH and the override variables; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Base for a relative override path; defaults to process.cwd(). */
  cwd?: string;
}

export async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The first executable called `command` in the PATH of `env`, or undefined. A command with a slash
 * is a path and is only checked. Empty PATH entries are skipped on purpose: POSIX reads them as the
 * current directory, and a security tool should not run whatever `./cosign` a checkout contains.
 */
export async function findExecutable(command: string, options: FindOptions = {}): Promise<string | undefined> {
  const env = options.env ?? process.env;
  if (command.includes('/')) {
    const file = path.resolve(options.cwd ?? process.cwd(), command);
    return (await isExecutableFile(file)) ? file : undefined;
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir)) continue;
    const file = path.join(dir, command);
    if (await isExecutableFile(file)) return file;
  }
  return undefined;
}

/** Finds a known tool or throws a one-line ToolError saying how to install it. */
export async function findTool(name: ToolName, options: FindOptions = {}): Promise<FoundTool> {
  const spec = TOOLS[name];
  const env = options.env ?? process.env;
  const override = env[spec.pathEnv]?.trim();
  if (override) {
    const file = await findExecutable(override, options);
    if (!file) {
      throw new ToolError({
        tool: name,
        failure: 'not-installed',
        summary: `${spec.pathEnv} is set to "${override}", which is not an executable ${name}; point it at the ${name} executable or unset it`,
      });
    }
    return { name, path: file, spec, source: 'env' };
  }
  const file = await findExecutable(spec.executable, options);
  if (!file) {
    throw new ToolError({
      tool: name,
      failure: 'not-installed',
      summary: `${name} is not installed (not found on PATH): ${spec.install}, or set ${spec.pathEnv} to its location`,
    });
  }
  return { name, path: file, spec, source: 'PATH' };
}
