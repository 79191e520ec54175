/**
 * Child processes for the e2e: real commands (npm, nx, skopeo, umoci, shipshape) with their output
 * captured in order, and an environment cleaned of what the outer run sets (Nx task variables, npm
 * lifecycle variables) so the workspace under test behaves as a user's own would.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived: what a user would see in a terminal. */
  output: string;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Resolve with the result instead of throwing when the command exits non-zero. */
  allowFailure?: boolean;
  /** Kill the command after this long (a hung registry or install must not hang the suite). */
  timeoutMs?: number;
}

export class CommandFailed extends Error {
  constructor(
    readonly command: string,
    readonly result: RunResult,
  ) {
    super(`${command} exited with ${result.code}:\n${tail(result.output, 6000)}`);
  }
}

export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const shown = [command, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? 10 * 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${shown}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code: code ?? (signal ? 128 : 1), stdout, stderr, output };
      if (result.code !== 0 && !options.allowFailure) reject(new CommandFailed(shown, result));
      else resolve(result);
    });
  });
}

/**
 * The parent environment without the variables an outer `nx run`, `npm run` or Jest sets for
 * itself: an inner Nx reading NX_TASK_TARGET_PROJECT or an inner npm reading npm_config_local_prefix
 * would act on the wrong workspace. The npm cache and registry settings are kept.
 */
export function cleanEnv(parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const keepNpm = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(parent)) {
    if (key.startsWith('NX_') || key === 'INIT_CWD' || key === 'NODE_OPTIONS') continue;
    if (key.toLowerCase().startsWith('npm_') && !keepNpm.has(key.toLowerCase())) continue;
    env[key] = value;
  }
  // The user's npm cache and settings stay in use when a test gives a command a HOME of its own.
  const npmrc = path.join(os.homedir(), '.npmrc');
  return {
    ...env,
    npm_config_cache: env.npm_config_cache ?? path.join(os.homedir(), '.npm'),
    ...(env.npm_config_userconfig === undefined && existsSync(npmrc) ? { npm_config_userconfig: npmrc } : {}),
    // Nx as CI runs it: no daemon, no Nx Cloud, plain output that can be read line by line.
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    FORCE_COLOR: '0',
    NO_COLOR: '1',
    // Re-runs take packages from the npm cache instead of asking the registry again.
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}

export function tail(text: string, chars: number): string {
  return text.length > chars ? `…${text.slice(-chars)}` : text;
}
