/** Real directories for configuration tests: created under the OS temp dir, removed by the test. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface TempDir {
  root: string;
  /** Writes `text` to a path relative to the root (creating directories); returns the absolute path. */
  write(relative: string, text: string): Promise<string>;
  path(relative: string): string;
  remove(): Promise<void>;
}

export async function makeTempDir(): Promise<TempDir> {
  const root = await mkdtemp(path.join(tmpdir(), 'shipshape-config-'));
  return {
    root,
    path: (relative) => path.join(root, relative),
    async write(relative, text) {
      const file = path.join(root, relative);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text);
      return file;
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
