import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { withFileLock } from './lock';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'shipshape-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('withFileLock', () => {
  it('lets one holder at a time in, and removes the lock file afterwards', async () => {
    const lock = path.join(dir, 'index.json.lock');
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        withFileLock(lock, async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((resolve) => setImmediate(resolve));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over a lock file abandoned by a process that died', async () => {
    const lock = path.join(dir, 'index.json.lock');
    writeFileSync(lock, '4242@elsewhere 2020-01-01T00:00:00Z\n');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(lock, anHourAgo, anHourAgo);
    expect(await withFileLock(lock, async () => 'ran')).toBe('ran');
    expect(existsSync(lock)).toBe(false);
  });

  it('gives up on a live lock with a message naming the holder and how to recover', async () => {
    const lock = path.join(dir, 'index.json.lock');
    writeFileSync(lock, '4242@builder 2030-01-01T00:00:00Z\n');
    await expect(withFileLock(lock, async () => 'ran', { timeoutMs: 20 })).rejects.toMatchObject({
      message: expect.stringContaining('held by 4242@builder'),
      where: lock,
      hint: expect.stringContaining('delete the lock file'),
    });
    // Someone else's lock is never removed by a waiter that gave up.
    expect(existsSync(lock)).toBe(true);
  });

  it('releases the lock when the work fails', async () => {
    const lock = path.join(dir, 'index.json.lock');
    await expect(withFileLock(lock, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(lock)).toBe(false);
  });
});
