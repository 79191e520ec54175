/**
 * Reads one wanted tar member once and hands it to everyone who asked: its first bytes for catalogers
 * that read files (up to the largest of their limits, copied into one buffer of exactly that size), and
 * the chunks, in order, to each cataloger with an `extract` function, one chunk at a time (the next is
 * offered only when the extractor asks for it). An extractor may stop early (it found what it needed)
 * or fail (a hostile file): the others carry on and the layer streams on.
 */
import type { Cataloger } from '../types';
import { formatBytes, messageOf } from './limits';

export interface FileInfo {
  path: string;
  size: number;
  mode: number;
}

export interface Extractor {
  cataloger: Cataloger;
  /** What `wants` answered: the most the extractor may keep. */
  limit: number;
}

export interface EntryContent {
  content?: Buffer;
  extracted: Record<string, Buffer>;
  warnings: string[];
}

const DONE: IteratorResult<Buffer> = { done: true, value: undefined };

/**
 * The chunks of one member as an extractor reads them: an async iterable with a one-chunk hand-over.
 * `offer` resolves once the extractor has taken the chunk (or stopped reading), so nothing piles up.
 */
class ExtractChannel implements AsyncIterable<Buffer> {
  readonly done: Promise<void>;
  result: Buffer | undefined;
  error: unknown;
  private settled = false;
  private stopped = false;
  private ended = false;
  private failure: Error | undefined;
  private pending: Buffer | undefined;
  private taken: (() => void) | undefined;
  private waiting: { resolve: (r: IteratorResult<Buffer>) => void; reject: (e: Error) => void } | undefined;

  constructor(
    readonly extractor: Extractor,
    file: FileInfo,
  ) {
    const extract = extractor.cataloger.extract!.bind(extractor.cataloger);
    this.done = Promise.resolve()
      .then(() => extract(this, { ...file }))
      .then(
        (result) => {
          this.result = result;
        },
        (error: unknown) => {
          this.error = error;
        },
      )
      .finally(() => {
        this.settled = true;
        this.release();
      });
  }

  /** Whether the extractor still reads. */
  get open(): boolean {
    return !this.settled && !this.stopped;
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return {
      next: () => this.pull(),
      return: () => {
        // `break` or `return` inside for-await: the extractor is done with this file.
        this.stopped = true;
        this.release();
        return Promise.resolve(DONE);
      },
    };
  }

  /** Hands over the next chunk; resolves once it is taken or the extractor stopped reading. */
  offer(chunk: Buffer): Promise<void> | undefined {
    if (!this.open) return undefined;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve({ done: false, value: chunk });
      return undefined;
    }
    this.pending = chunk;
    return new Promise<void>((resolve) => (this.taken = resolve));
  }

  async end(): Promise<void> {
    this.ended = true;
    this.wake();
    await this.done;
  }

  /** The member could not be read to its end: the extractor sees the error, not a short file. */
  async fail(error: unknown): Promise<void> {
    this.failure = new Error(messageOf(error));
    this.wake();
    await this.done;
  }

  private pull(): Promise<IteratorResult<Buffer>> {
    if (this.pending) {
      const value = this.pending;
      this.pending = undefined;
      this.release();
      return Promise.resolve({ done: false, value });
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended || this.stopped) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  private wake(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = undefined;
    if (this.failure) waiting.reject(this.failure);
    else waiting.resolve(DONE);
  }

  /** Lets the producer go on (the chunk was taken, or will never be). */
  private release(): void {
    if (this.settled || this.stopped) this.pending = undefined;
    const taken = this.taken;
    this.taken = undefined;
    taken?.();
  }
}

/** The next chunk of the member's body, or undefined at its end. */
export type ChunkPuller = () => Promise<Buffer | undefined>;

/**
 * Consumes a member's body completely (or until neither the kept bytes nor any extractor needs more;
 * the caller skips the rest), keeping its first `keep` bytes (0: none). Returns what was kept;
 * extractor failures and oversize results become warnings.
 */
export async function readEntryContent(pull: ChunkPuller, file: FileInfo, keep: number, extractors: readonly Extractor[]): Promise<EntryContent> {
  const channels = extractors.map((e) => new ExtractChannel(e, file));
  const want = Math.min(keep, file.size);
  const content = want > 0 ? Buffer.allocUnsafe(want) : undefined;
  let kept = 0;
  try {
    for (;;) {
      const reading = channels.some((c) => c.open);
      if (kept >= want && !reading) break;
      const chunk = await pull();
      if (!chunk) break;
      if (content && kept < want) kept += chunk.copy(content, kept, 0, Math.min(chunk.length, want - kept));
      if (reading) {
        for (const channel of channels) {
          const offered = channel.offer(chunk);
          if (offered) await offered;
        }
      }
    }
  } catch (error) {
    await Promise.all(channels.map((c) => c.fail(error)));
    throw error;
  }
  await Promise.all(channels.map((c) => c.end()));
  const result: EntryContent = { extracted: {}, warnings: [] };
  if (content) result.content = kept === want ? content : content.subarray(0, kept);
  for (const channel of channels) {
    const { cataloger, limit } = channel.extractor;
    if (channel.error !== undefined) {
      result.warnings.push(`${cataloger.name} could not read ${file.path}: ${messageOf(channel.error)}`);
    } else if (channel.result !== undefined) {
      if (channel.result.length > limit) {
        result.warnings.push(`${cataloger.name} kept ${formatBytes(channel.result.length)} of ${file.path}, over its ${formatBytes(limit)} limit; skipped`);
      } else {
        result.extracted[cataloger.name] = channel.result;
      }
    }
  }
  return result;
}

/** A puller over chunks already in memory (a hard link's target). */
export function pullFrom(chunks: readonly Buffer[]): ChunkPuller {
  let index = 0;
  return () => Promise.resolve(chunks[index++]);
}
