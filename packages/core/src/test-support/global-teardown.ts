/** Jest globalTeardown: stops the test environment if (and only if) the global setup started it. */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from './test-env';
import { startedByJest } from './jest-started';

export default function globalTeardown(): void {
  const stateDir = startedByJest();
  if (!stateDir) return;
  execFileSync('bash', [path.join(REPO_ROOT, 'tools', 'test-env', 'down.sh')], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, SHIPSHAPE_TEST_ENV_DIR: stateDir },
  });
}
