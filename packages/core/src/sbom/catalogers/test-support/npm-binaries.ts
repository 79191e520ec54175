/**
 * Test-only: real Go binaries shipped inside npm packages (esbuild's platform packages), fetched once
 * with `npm pack` through the same npm cache tools/test-env uses, and kept in the test-env cache dir.
 * They give the Go tests binaries built in module mode, from both build-info layouts (Go 1.17 and 1.20).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../../test-support/test-env';

function cacheDir(): string {
  return process.env.SHIPSHAPE_TEST_CACHE_DIR ?? path.join(REPO_ROOT, 'tmp', 'test-env-cache');
}

/** The path of `file` inside the unpacked npm package `spec` (`name@version`). */
export function npmPackageFile(spec: string, file: string): string {
  const dir = path.join(cacheDir(), 'npm-packages', spec.replace(/[^A-Za-z0-9.@_-]/g, '_'));
  const target = path.join(dir, 'package', file);
  if (existsSync(target)) return target;
  mkdirSync(path.dirname(dir), { recursive: true });
  const work = mkdtempSync(`${dir}.tmp-`);
  try {
    execFileSync('npm', ['pack', spec, '--pack-destination', work, '--cache', path.join(cacheDir(), 'npm'), '--prefer-offline', '--loglevel=error'], {
      cwd: work,
      stdio: 'pipe',
    });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${spec} produced no tarball`);
    execFileSync('tar', ['-xzf', tarball], { cwd: work, stdio: 'pipe' });
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw new Error(`cannot fetch the npm package ${spec} (is the npm registry reachable?): ${(error as Error).message}`);
  }
  return target;
}
