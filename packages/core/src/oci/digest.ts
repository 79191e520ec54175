/**
 * Content addressing: every byte read from a registry or a layout is checked against the digest and
 * size its descriptor promised. A mismatch is an error, never data (DESIGN principle 5).
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ShipshapeError } from '../errors';

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function digestAlgorithm(digest: string): string {
  const algorithm = digest.slice(0, digest.indexOf(':'));
  if (algorithm !== 'sha256' && algorithm !== 'sha384' && algorithm !== 'sha512') {
    throw new ShipshapeError('input', `unsupported digest algorithm "${algorithm}"`, { hint: 'images are addressed by sha256 digests' });
  }
  return algorithm;
}

export function digestOf(data: Buffer, algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** Throws unless `data` has exactly the expected digest (and size, when given). */
export function verifyContent(data: Buffer, expected: { digest: string; size?: number }, where: string): void {
  if (expected.size !== undefined && data.length !== expected.size) {
    throw new ShipshapeError('input', `content size ${data.length} does not match the expected ${expected.size} for ${expected.digest}`, { where });
  }
  const actual = digestOf(data, digestAlgorithm(expected.digest));
  if (actual !== expected.digest) {
    throw new ShipshapeError('input', `content digest mismatch: expected ${expected.digest}, got ${actual} (the content was altered or corrupted)`, { where });
  }
}

/**
 * A pass-through stream that hashes and counts what flows through it and fails the stream on a size
 * overrun (as soon as it happens) or a digest mismatch (at the end), so a consumer never finishes
 * reading tampered content without an error.
 */
export class VerifyingStream extends Transform {
  private readonly hash;
  private received = 0;

  constructor(
    private readonly expected: { digest: string; size?: number },
    private readonly where: string,
  ) {
    super();
    this.hash = createHash(digestAlgorithm(expected.digest));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    if (this.expected.size !== undefined && this.received > this.expected.size) {
      callback(new ShipshapeError('input', `content is larger than the expected ${this.expected.size} bytes for ${this.expected.digest}`, { where: this.where }));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.expected.size !== undefined && this.received !== this.expected.size) {
      callback(new ShipshapeError('input', `content ended after ${this.received} of ${this.expected.size} bytes for ${this.expected.digest} (truncated)`, { where: this.where }));
      return;
    }
    const actual = `${digestAlgorithm(this.expected.digest)}:${this.hash.digest('hex')}`;
    if (actual !== this.expected.digest) {
      callback(new ShipshapeError('input', `content digest mismatch: expected ${this.expected.digest}, got ${actual} (the content was altered or corrupted)`, { where: this.where }));
      return;
    }
    callback();
  }
}

/** Reads a stream fully, failing once it exceeds `maxBytes` (manifests and small JSON blobs). */
export async function readAllBounded(stream: NodeJS.ReadableStream, maxBytes: number, where: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      throw new ShipshapeError('input', `response is larger than the ${maxBytes}-byte limit`, { where });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
