/**
 * Reads one wanted tar member once and hands it to everyone who asked: its first bytes for catalogers
 * that read files (up to the largest of their limits, so the buffer is bounded), and a stream for each
 * cataloger with an `extract` function, fed with backpressure. An extractor may stop early
 * (it found what it needed) or fail (a hostile file): the others carry on and the layer streams on.
 */
import { PassThrough } from 'node:stream';
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

/** A PassThrough feeding one cataloger's `extract`, that stops taking input once the extractor settles. */
class ExtractSink {
  readonly input = new PassThrough({ highWaterMark: 256 * 1024 });
  readonly done: Promise<void>;
  result: Buffer | undefined;
  error: unknown;
  private settled = false;

  constructor(
    readonly extractor: Extractor,
    file: FileInfo,
  ) {
    // The extractor may leave the stream unread or destroy it; our writes must not throw then.
    this.input.on('error', () => undefined);
    const extract = extractor.cataloger.extract!.bind(extractor.cataloger);
    this.done = Promise.resolve()
      .then(() => extract(this.input, { ...file }))
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
        if (!this.input.destroyed) this.input.destroy();
      });
  }

  private get open(): boolean {
    return !this.settled && !this.input.destroyed && !this.input.writableEnded;
  }

  async write(chunk: Buffer): Promise<void> {
    if (!this.open || this.input.write(chunk)) return;
    let release: () => void = () => undefined;
    const drained = new Promise<void>((resolve) => {
      release = () => {
        this.input.off('drain', release).off('close', release);
        resolve();
      };
      this.input.on('drain', release).on('close', release);
    });
    await Promise.race([drained, this.done]);
    release();
  }

  async end(): Promise<void> {
    if (this.open) this.input.end();
    await this.done;
  }

  /** The member could not be read to its end: the extractor sees the error, not a short file. */
  async abort(error: unknown): Promise<void> {
    if (!this.input.destroyed) this.input.destroy(new Error(messageOf(error)));
    await this.done;
  }
}

/**
 * Consumes `entry` completely, keeping its first `keep` bytes (0: none). Returns what was kept;
 * extractor failures and oversize results become warnings.
 */
export async function readEntryContent(entry: AsyncIterable<Buffer>, file: FileInfo, keep: number, extractors: Extractor[]): Promise<EntryContent> {
  const sinks = extractors.map((e) => new ExtractSink(e, file));
  const chunks: Buffer[] = [];
  let kept = 0;
  try {
    for await (const chunk of entry) {
      if (kept < keep) {
        const part = chunk.length <= keep - kept ? chunk : chunk.subarray(0, keep - kept);
        chunks.push(part);
        kept += part.length;
      }
      for (const sink of sinks) await sink.write(chunk);
    }
  } catch (error) {
    await Promise.all(sinks.map((s) => s.abort(error)));
    throw error;
  }
  await Promise.all(sinks.map((s) => s.end()));
  const result: EntryContent = { extracted: {}, warnings: [] };
  if (keep > 0) result.content = Buffer.concat(chunks, kept);
  for (const sink of sinks) {
    const { cataloger, limit } = sink.extractor;
    if (sink.error !== undefined) {
      result.warnings.push(`${cataloger.name} could not read ${file.path}: ${messageOf(sink.error)}`);
    } else if (sink.result !== undefined) {
      if (sink.result.length > limit) {
        result.warnings.push(`${cataloger.name} kept ${formatBytes(sink.result.length)} of ${file.path}, over its ${formatBytes(limit)} limit; skipped`);
      } else {
        result.extracted[cataloger.name] = sink.result;
      }
    }
  }
  return result;
}
