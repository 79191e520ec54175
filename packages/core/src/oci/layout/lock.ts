/**
 * An exclusive lock between processes (parallel Nx tasks, several CLI runs) over one file, so that
 * read-modify-write updates of index.json never lose each other's entries. The lock is a file created
 * with O_EXCL (`wx`); waiting writers retry with a short, growing, jittered backoff. A lock file older
 * than `staleMs` was left by a process that died and is removed. Updates under the lock take
 * milliseconds, so a stale timeout of seconds never breaks a live holder.
 */
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { ShipshapeError } from '../../errors';

export interface FileLockOptions {
  /** A lock file this old is considered abandoned. */
  staleMs?: number;
  /** Give up waiting after this long. */
  timeoutMs?: number;
}

const DEFAULT_STALE_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 120_000;
const MIN_BACKOFF_MS = 2;
const MAX_BACKOFF_MS = 100;

export async function withFileLock<T>(lockFile: string, work: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  await acquire(lockFile, options.staleMs ?? DEFAULT_STALE_MS, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    return await work();
  } finally {
    await fs.rm(lockFile, { force: true });
  }
}

async function acquire(lockFile: string, staleMs: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  let backoff = MIN_BACKOFF_MS;
  for (;;) {
    try {
      const handle = await fs.open(lockFile, 'wx');
      try {
        await handle.writeFile(`${process.pid}@${hostname()} ${new Date().toISOString()}\n`);
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await removeIfStale(lockFile, staleMs)) continue;
    if (Date.now() - started > timeoutMs) {
      const holder = (await fs.readFile(lockFile, 'utf8').catch(() => '')).trim();
      throw new ShipshapeError('input', `timed out after ${Math.round(timeoutMs / 1000)}s waiting for the lock file${holder ? ` (held by ${holder})` : ''}`, {
        where: lockFile,
        hint: 'if no other shipshape process is writing to this OCI layout, delete the lock file',
      });
    }
    await sleep(backoff + Math.random() * backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
}

async function removeIfStale(lockFile: string, staleMs: number): Promise<boolean> {
  try {
    const stat = await fs.stat(lockFile);
    if (Date.now() - stat.mtimeMs < staleMs) return false;
    // Another waiter may have removed the stale file and taken a fresh lock since our stat: only
    // the very file we judged stale is removed.
    const again = await fs.stat(lockFile);
    if (again.ino !== stat.ino || again.mtimeMs !== stat.mtimeMs) return true;
    await fs.rm(lockFile, { force: true });
    return true;
  } catch (error) {
    // Released between our attempt and the stat: try again at once.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
