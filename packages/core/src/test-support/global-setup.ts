/**
 * Jest globalSetup: when the test environment is not already in the environment (tools/test.sh
 * sets it), start it with tools/test-env/up.sh and load its env.json, so a plain
 * `npx nx run-many -t test` works too. Workers are started after this and inherit process.env.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseTestEnvVars, REPO_ROOT } from './test-env';
import { markStartedByJest } from './jest-started';

export default function globalSetup(): void {
  if (process.env.SHIPSHAPE_TEST_REGISTRY) return;
  const stateDir = path.resolve(REPO_ROOT, process.env.SHIPSHAPE_TEST_ENV_DIR ?? path.join('tmp', 'test-env'));
  try {
    // up.sh reports on stderr; its output shows above the test results.
    execFileSync('bash', [path.join(REPO_ROOT, 'tools', 'test-env', 'up.sh')], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, SHIPSHAPE_TEST_ENV_DIR: stateDir },
    });
  } catch {
    throw new Error('tools/test-env/up.sh failed (its message is above); fix that and run the tests again, or use `bash tools/test.sh`.');
  }
  // Stop the registries afterwards only if this run started them; ones a developer started stay up.
  const result = readFileSync(path.join(stateDir, 'up-result'), 'utf8').trim();
  if (result === 'started') markStartedByJest(stateDir);
  const envFile = path.join(stateDir, 'env.json');
  const vars = parseTestEnvVars(JSON.parse(readFileSync(envFile, 'utf8')), envFile);
  Object.assign(process.env, vars);
}
