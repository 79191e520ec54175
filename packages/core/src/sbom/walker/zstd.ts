/**
 * Streaming zstd decompression with fzstd (pure JS; Node 20 has no zstd in zlib), made safe for
 * untrusted layers. fzstd allocates each frame's declared window up front and emits every block of an
 * input chunk synchronously, so a hostile frame could demand 2 GiB or turn a few KiB into gigabytes in
 * one call. A small scanner therefore walks the frame and block headers first: it refuses windows over
 * the limit before fzstd sees them, and input is handed to fzstd a few blocks at a time, so each call
 * yields at most ~1 MiB and the consumer's backpressure holds.
 */
import type * as Fzstd from 'fzstd';
import { ShipshapeError } from '../../errors';
import { formatBytes, messageOf } from './limits';

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** The format's Block_Maximum_Size. */
const MAX_BLOCK_SIZE = 128 * 1024;
/** Blocks handed to fzstd per call: at most 8 × 128 KiB of output at once. */
const BLOCKS_PER_PUSH = 8;

type HeaderState = 'magic' | 'frame-descriptor' | 'frame-rest' | 'block-header' | 'skip-size';
type BodyState = 'block-body' | 'checksum' | 'skip-body';

function corrupt(detail: string): ShipshapeError {
  return new ShipshapeError('input', `the zstd stream is corrupt: ${detail}`);
}

/** Tracks frame and block boundaries of a zstd stream without decoding it. */
export class ZstdFrameScanner {
  private state: HeaderState | BodyState = 'magic';
  private header: number[] = [];
  private need = 4;
  private remaining = 0;
  private descriptor = 0;
  private lastBlock = false;
  private frames = 0;

  constructor(private readonly maxWindowBytes: number) {}

  /** Validates the headers in `chunk`; returns the offsets just after each block that ends in it. */
  scan(chunk: Uint8Array): number[] {
    const blockEnds: number[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'block-body' || this.state === 'checksum' || this.state === 'skip-body') {
        const take = Math.min(this.remaining, chunk.length - i);
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.bodyDone(blockEnds, i);
        continue;
      }
      this.header.push(chunk[i++]);
      if (this.header.length === this.need) this.headerDone(blockEnds, i);
    }
    return blockEnds;
  }

  /** Throws unless the stream ended between frames. */
  finish(): void {
    if (this.state !== 'magic' || this.header.length > 0) throw corrupt('it ends in the middle of a frame (truncated)');
    if (this.frames === 0) throw corrupt('it holds no frame');
  }

  private expectHeader(state: HeaderState, bytes: number): void {
    this.state = state;
    this.header = [];
    this.need = bytes;
  }

  private expectBody(state: BodyState, bytes: number, blockEnds: number[], offset: number): void {
    this.state = state;
    this.remaining = bytes;
    if (bytes === 0) this.bodyDone(blockEnds, offset);
  }

  private headerDone(blockEnds: number[], offset: number): void {
    const h = this.header;
    switch (this.state) {
      case 'magic': {
        const magic = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0;
        if (magic === FRAME_MAGIC) {
          this.frames++;
          this.expectHeader('frame-descriptor', 1);
        } else if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
          this.expectHeader('skip-size', 4);
        } else {
          throw corrupt(`expected a frame, found bytes 0x${magic.toString(16).padStart(8, '0')}`);
        }
        return;
      }
      case 'frame-descriptor': {
        const d = h[0];
        this.descriptor = d;
        if (d & 0x08) throw corrupt('a frame header has its reserved bit set');
        const single = (d >> 5) & 1;
        const dictionaryBytes = [0, 1, 2, 4][d & 3];
        const sizeFlag = d >> 6;
        const contentSizeBytes = sizeFlag === 0 ? single : [0, 2, 4, 8][sizeFlag];
        this.expectHeader('frame-rest', (single ? 0 : 1) + dictionaryBytes + contentSizeBytes);
        if (this.need === 0) this.headerDone(blockEnds, offset);
        return;
      }
      case 'frame-rest': {
        this.checkWindow(h);
        this.expectHeader('block-header', 3);
        return;
      }
      case 'block-header': {
        const value = h[0] | (h[1] << 8) | (h[2] << 16);
        this.lastBlock = (value & 1) === 1;
        const type = (value >> 1) & 3;
        const size = value >>> 3;
        if (type === 3) throw corrupt('a block has the reserved type');
        if (size > MAX_BLOCK_SIZE) throw corrupt(`a block declares ${size} bytes, over the format's ${MAX_BLOCK_SIZE}`);
        // An RLE block is one byte repeated `size` times.
        this.expectBody('block-body', type === 1 ? 1 : size, blockEnds, offset);
        return;
      }
      case 'skip-size': {
        const size = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0;
        this.expectBody('skip-body', size, blockEnds, offset);
        return;
      }
    }
  }

  private bodyDone(blockEnds: number[], offset: number): void {
    if (this.state === 'block-body') {
      blockEnds.push(offset);
      if (!this.lastBlock) this.expectHeader('block-header', 3);
      else if (this.descriptor & 0x04) this.expectBody('checksum', 4, blockEnds, offset);
      else this.expectHeader('magic', 4);
      return;
    }
    this.expectHeader('magic', 4);
  }

  private checkWindow(rest: number[]): void {
    const d = this.descriptor;
    const single = (d >> 5) & 1;
    let pos = 0;
    let window = 0;
    if (!single) {
      const descriptor = rest[pos++];
      const base = 2 ** (10 + (descriptor >> 3));
      window = base + (base / 8) * (descriptor & 7);
    }
    const dictionaryBytes = [0, 1, 2, 4][d & 3];
    let dictionaryId = 0;
    for (let i = 0; i < dictionaryBytes; i++) dictionaryId += rest[pos++] * 2 ** (8 * i);
    if (dictionaryId !== 0) throw new ShipshapeError('input', 'the zstd stream needs a dictionary, which image layers never use');
    if (single) {
      // Single-segment frames have no window descriptor: the window is the whole frame's content.
      const sizeBytes = rest.length - pos;
      let contentSize = 0;
      for (let i = 0; i < sizeBytes; i++) contentSize += rest[pos++] * 2 ** (8 * i);
      window = contentSize + (sizeBytes === 2 ? 256 : 0);
    }
    if (window > this.maxWindowBytes) {
      throw new ShipshapeError('input', `a zstd frame asks for a ${formatBytes(window)} window, over the ${formatBytes(this.maxWindowBytes)} limit`, {
        hint: 'recompress the layer with a smaller window (zstd without --long), or raise the zstd window limit',
      });
    }
  }
}

/** Decompresses a zstd stream, pulling input only as fast as the output is consumed. */
let fzstdModule: Promise<typeof Fzstd> | undefined;
/** Loaded on first use: most layers are gzip. */
function loadFzstd(): Promise<typeof Fzstd> {
  fzstdModule ??= import('fzstd').then((m: typeof Fzstd & { default?: typeof Fzstd }) => m.default ?? m);
  return fzstdModule;
}

export async function* decompressZstd(source: AsyncIterable<Buffer>, options: { maxWindowBytes: number }): AsyncGenerator<Buffer> {
  const { Decompress } = await loadFzstd();
  const scanner = new ZstdFrameScanner(options.maxWindowBytes);
  let output: Buffer[] = [];
  const decoder = new Decompress((data) => {
    if (data.length > 0) output.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
  const push = (piece: Uint8Array, final: boolean): Buffer[] => {
    try {
      decoder.push(piece, final);
    } catch (error) {
      throw corrupt(messageOf(error));
    }
    const produced = output;
    output = [];
    return produced;
  };

  for await (const chunk of source) {
    const blockEnds = scanner.scan(chunk);
    let start = 0;
    for (let i = BLOCKS_PER_PUSH - 1; i < blockEnds.length; i += BLOCKS_PER_PUSH) {
      yield* push(chunk.subarray(start, blockEnds[i]), false);
      start = blockEnds[i];
    }
    if (start < chunk.length) yield* push(chunk.subarray(start), false);
  }
  scanner.finish();
  yield* push(new Uint8Array(0), true);
}
