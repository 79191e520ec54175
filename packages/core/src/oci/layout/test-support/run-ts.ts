/**
 * Runs a TypeScript file in a new Node process (for tests that need real concurrent processes),
 * compiled on the fly with @swc/core as Jest's transform does.
 */
import { execFile } from 'node:child_process';
import { REPO_ROOT } from '../../../test-support/test-env';
import { tsChildArgs } from '../../../test-support/child-main';

export function runTs(file: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(process.execPath, tsChildArgs(file, args), { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}
