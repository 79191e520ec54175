/**
 * Reading a file's stream inside a cataloger's `extract`: always to the end (the layer's tar stream
 * moves on only when the entry is consumed), never keeping more than asked for.
 */
import type { Readable } from 'node:stream';

export interface BoundedRead {
  content: Buffer;
  /** The file was longer than the limit: `content` holds only its first `limit` bytes. */
  truncated: boolean;
}

export async function readBounded(stream: Readable, limit: number): Promise<BoundedRead> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let truncated = false;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (kept < limit) {
      const take = buffer.subarray(0, limit - kept);
      chunks.push(take);
      kept += take.length;
      if (take.length < buffer.length) truncated = true;
    } else if (buffer.length > 0) {
      truncated = true;
    }
  }
  return { content: Buffer.concat(chunks, kept), truncated };
}
