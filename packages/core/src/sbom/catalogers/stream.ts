/**
 * Reading a file's chunks inside a cataloger's `extract`, never keeping more than asked for: it stops
 * as soon as the file is known to be longer than the limit (the walker skips the rest of it).
 */
export interface BoundedRead {
  content: Buffer;
  /** The file was longer than the limit: `content` holds only its first `limit` bytes. */
  truncated: boolean;
}

export async function readBounded(stream: AsyncIterable<Buffer | string>, limit: number): Promise<BoundedRead> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let truncated = false;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (kept < limit) {
      const take = buffer.subarray(0, limit - kept);
      chunks.push(take);
      kept += take.length;
      if (take.length < buffer.length) truncated = true;
    } else if (buffer.length > 0) {
      truncated = true;
    }
    if (truncated) break;
  }
  return { content: Buffer.concat(chunks, kept), truncated };
}
