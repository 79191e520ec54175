/**
 * The writer processes concurrency tests start: how the parent starts one (a TypeScript file in a new
 * Node process), and the child's frame — wait for the parent's "go" on stdin (so all writers race at
 * once), and exit 0, or 1 with one line on stderr. Test-only.
 */
import { createInterface } from 'node:readline';
import { isShipshapeError } from '../errors';

export function waitForLine(expected: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() !== expected) return;
      resolve(); // before close(), whose 'close' event would otherwise reject first
      lines.close();
    });
    lines.on('close', () => reject(new Error(`stdin closed before "${expected}"`)));
  });
}

export function runChildMain(main: (args: string[]) => Promise<void>): void {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${isShipshapeError(error) ? error.describe() : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}

/**
 * Node arguments that run a TypeScript `file` with `args`, compiled on the fly with @swc/core as Jest's
 * transform does (import() stays native, so ESM-only dependencies load for real).
 */
export function tsChildArgs(file: string, args: readonly string[]): string[] {
  return ['-e', REGISTER_TS, '--', file, ...args];
}

const REGISTER_TS = `
const fs = require('node:fs');
const swc = require('@swc/core');
require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs', ignoreDynamic: true },
  });
  module._compile(code, filename);
};
require(require('node:path').resolve(process.argv[1]));
`;
