/** Reads a small text file another tool wrote; undefined when it is not there. */
import { readFile, stat } from 'node:fs/promises';
import { ShipshapeError } from '@shipshape/core/base';

/** Build outputs are a digest, a tag or a few KB of JSON; anything near this is the wrong file. */
const MAX_BYTES = 1024 * 1024;

export async function readSmallFile(file: string): Promise<string | undefined> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return undefined;
    if (info.size > MAX_BYTES) {
      throw new ShipshapeError('input', `the file is ${info.size} bytes; a build output read here holds at most 1 MiB`, { where: file });
    }
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
