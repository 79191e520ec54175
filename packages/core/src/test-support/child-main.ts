/**
 * The frame of the writer processes concurrency tests start: wait for the parent's "go" on stdin (so
 * all writers race at once), and exit 0, or 1 with one line on stderr. Test-only.
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
