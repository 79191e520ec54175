/**
 * A small streaming tar reader for image layers: ustar, GNU (long names and link names, base-256
 * numbers, old-style sparse headers) and PAX (path, linkpath, size; GNU sparse maps recognised) —
 * what `docker build`, buildkit, GNU tar and Go's archive/tar write. Headers are parsed straight out of
 * the decompressed chunks and a member's body is handed out as views of them, so a member nobody
 * wants is skipped without being copied or wrapped in a stream of its own.
 *
 * It reads as Go's archive/tar (what containerd extracts layers with) does where formats leave room:
 * header-only types (links, directories, devices, FIFOs) have no body whatever their size field says,
 * a global PAX header does not change later members, and the archive ends at its first zero block
 * (what follows is read to the end, so the blob is still verified, and otherwise ignored).
 * Untrusted input is bounded: a PAX header or GNU long name over `maxMetaBytes` is an error, as is a
 * header whose checksum does not match, a malformed number, or an archive that stops inside a member.
 */

const BLOCK = 512;
const EMPTY = Buffer.alloc(0);
const MiB = 1024 * 1024;

/** Larger extended headers are refused: a path is at most 4 KiB, a sane PAX header a few hundred bytes. */
export const DEFAULT_MAX_META_BYTES = MiB;

export type TarEntryType =
  | 'file'
  | 'contiguous-file'
  | 'link'
  | 'symlink'
  | 'character-device'
  | 'block-device'
  | 'directory'
  | 'fifo'
  /** A GNU sparse file (old `S` headers or PAX `GNU.sparse.*`): its body is a sparse map plus data, not the file. */
  | 'sparse'
  /** A type this reader does not know (vendor extensions, `M` multi-volume continuations). */
  | 'other';

export interface TarHeader {
  /** The member's name as stored (PAX `path` or a GNU long name when present, else ustar prefix + name). */
  name: string;
  /** Link target of a symlink or hard link (PAX `linkpath` or a GNU long link name when present). */
  linkname: string;
  type: TarEntryType;
  /** The single-character type flag as stored (`0`, `5`, `x`…; `\0` for old regular files). */
  typeflag: string;
  /** Bytes of body that follow the header (0 for header-only types). */
  size: number;
  /** Permission bits and file type bits as stored. */
  mode: number;
}

/** The archive is malformed or ends early. Its message is meant for "not a valid tar archive (…)". */
export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

const truncated = () => new TarFormatError('Unexpected end of data');

/** What `TarReader.tryNext()` returns when the next header is not in the data at hand yet. */
export const NEED_INPUT: unique symbol = Symbol('need more input');

/** Pull-based reading over an async iterable of chunks: views and skips without copies. */
class ChunkSource {
  private readonly iterator: AsyncIterator<Uint8Array>;
  /** The rest of a chunk whose start `ensure` joined to the previous one. */
  private queued: Buffer | undefined;
  private chunk: Buffer = EMPTY;
  private at = 0;
  private exhausted = false;
  /** Bytes consumed so far. */
  position = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  get available(): number {
    return this.chunk.length - this.at;
  }

  /** What is loaded and not consumed, as a view (nothing is consumed). */
  view(): Buffer {
    return this.at === 0 ? this.chunk : this.chunk.subarray(this.at);
  }

  /** Consumes `n` loaded bytes. */
  advance(n: number): void {
    this.at += n;
    this.position += n;
  }

  /** Up to `max` loaded bytes as a view, consumed. */
  take(max: number): Buffer {
    const n = Math.min(max, this.available);
    const view = this.chunk.subarray(this.at, this.at + n);
    this.advance(n);
    return view;
  }

  /** Makes sure some bytes are loaded; false at the end of the input. */
  async fill(): Promise<boolean> {
    while (this.available === 0) {
      const next = await this.pull();
      if (!next) return false;
      this.chunk = next;
      this.at = 0;
    }
    return true;
  }

  /**
   * Makes at least `n` bytes available as one view, joining what is left of this chunk with just
   * enough of the next (only a header or an extended header that straddles chunks is ever copied; the
   * rest of that chunk comes next). False when the input ends first (what there was stays available).
   */
  async ensure(n: number): Promise<boolean> {
    while (this.available < n) {
      const next = await this.pull();
      if (!next) return false;
      if (this.available === 0) {
        this.chunk = next;
      } else {
        const missing = n - this.available;
        if (next.length > missing) this.queued = next.subarray(missing);
        this.chunk = Buffer.concat([this.view(), next.length > missing ? next.subarray(0, missing) : next]);
      }
      this.at = 0;
    }
    return true;
  }

  /** Skips `n` bytes; false when they are not all loaded (then nothing is skipped). */
  trySkip(n: number): boolean {
    if (this.available < n) return false;
    this.advance(n);
    return true;
  }

  /** Skips `n` bytes without looking at them. */
  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.available === 0 && !(await this.fill())) throw truncated();
      left -= this.take(left).length;
    }
  }

  /** Stops reading the input early (after an error): lets its producer clean up. */
  async close(): Promise<void> {
    this.exhausted = true;
    this.queued = undefined;
    this.chunk = EMPTY;
    this.at = 0;
    await this.iterator.return?.();
  }

  /** Reads the rest of the input (so the layer's size and digest are still checked); whether any of it was not zero. */
  async drain(): Promise<boolean> {
    let nonZero = false;
    while (await this.fill()) {
      const view = this.take(Number.POSITIVE_INFINITY);
      if (!nonZero && !isZero(view)) nonZero = true;
    }
    return nonZero;
  }

  private async pull(): Promise<Buffer | undefined> {
    if (this.queued) {
      const queued = this.queued;
      this.queued = undefined;
      return queued;
    }
    for (;;) {
      if (this.exhausted) return undefined;
      const next = await this.iterator.next();
      if (next.done) {
        this.exhausted = true;
        return undefined;
      }
      const value = next.value;
      if (value.byteLength > 0) return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  }
}

export interface TarReaderOptions {
  /** Largest PAX header or GNU long name accepted. Default 1 MiB. */
  maxMetaBytes?: number;
}

/** One member's header as parsed from the data at hand, or what is missing for it. */
type Parsed =
  | { kind: 'header'; header: TarHeader; consumed: number }
  | { kind: 'end' }
  /** `bytes` from the current position are needed to parse the next header (with its extended headers). */
  | { kind: 'need'; bytes: number; partial: boolean };

/**
 * Reads one tar archive member by member:
 *
 *   for (let header; (header = await reader.next()); ) { … await reader.readBodyChunk() … }
 *
 * `next()` skips whatever of the previous member's body was not read. When it returns undefined the
 * input has been read to its end. `tryNext()` does the same without waiting when the data at hand
 * suffices (most members of a decompressed chunk), which spares a promise per member.
 */
export class TarReader {
  private readonly source: ChunkSource;
  private readonly maxMetaBytes: number;
  private remaining = 0;
  private padding = 0;
  private finished = false;
  /** Non-zero bytes followed the end-of-archive marker (they are ignored, as a container runtime ignores them). */
  trailingData = false;

  constructor(source: AsyncIterable<Uint8Array>, options: TarReaderOptions = {}) {
    this.source = new ChunkSource(source);
    this.maxMetaBytes = options.maxMetaBytes ?? DEFAULT_MAX_META_BYTES;
  }

  /** Stops reading early (after an error elsewhere); the input's iterator is closed. Never throws. */
  async close(): Promise<void> {
    this.finished = true;
    await this.source.close().catch(() => undefined);
  }

  /** Bytes of the archive read so far. */
  get position(): number {
    return this.source.position;
  }

  /** Body bytes of the current member not read yet. */
  get bodyRemaining(): number {
    return this.remaining;
  }

  /** The next member's header when it can be had without waiting for input; else NEED_INPUT (then call next()). */
  tryNext(): TarHeader | undefined | typeof NEED_INPUT {
    if (this.finished) return undefined;
    if (!this.source.trySkip(this.remaining + this.padding)) return NEED_INPUT;
    this.remaining = 0;
    this.padding = 0;
    const parsed = this.parse();
    return parsed.kind === 'header' ? this.accept(parsed) : NEED_INPUT;
  }

  /** The next member's header, or undefined once the archive (and its input) ended. */
  async next(): Promise<TarHeader | undefined> {
    const quick = this.tryNext();
    if (quick !== NEED_INPUT) return quick;
    await this.skipBody();
    for (;;) {
      const parsed = this.parse();
      if (parsed.kind === 'header') return this.accept(parsed);
      if (parsed.kind === 'end') {
        this.finished = true;
        this.trailingData = await this.source.drain();
        return undefined;
      }
      if (!(await this.source.ensure(parsed.bytes))) {
        // No end-of-archive marker: tolerated, as Go's reader and tar-stream tolerate it — unless the
        // archive stops inside a header, or extended headers announced a member that never came.
        if (parsed.partial || this.source.available > 0) throw truncated();
        this.finished = true;
        return undefined;
      }
    }
  }

  /**
   * The next piece of the current member's body, at most `max` bytes: a view into the archive's data
   * (copy what you keep). Undefined once the body is read. Throws when the archive ends inside it.
   */
  async readBodyChunk(max = Number.POSITIVE_INFINITY): Promise<Buffer | undefined> {
    if (this.remaining === 0) return undefined;
    if (!(await this.source.fill())) throw truncated();
    const view = this.source.take(Math.min(max, this.remaining));
    this.remaining -= view.length;
    return view;
  }

  private accept(parsed: Extract<Parsed, { kind: 'header' }>): TarHeader {
    this.source.advance(parsed.consumed);
    this.remaining = parsed.header.size;
    this.padding = (BLOCK - (parsed.header.size % BLOCK)) % BLOCK;
    return parsed.header;
  }

  private async skipBody(): Promise<void> {
    const skip = this.remaining + this.padding;
    this.remaining = 0;
    this.padding = 0;
    if (skip > 0) await this.source.skip(skip);
  }

  /**
   * The next member's header (after its extended headers) from the data at hand, consuming nothing:
   * what it needs when that data ends first, or the end of the archive.
   */
  private parse(): Parsed {
    const data = this.source.view();
    const base = this.source.position;
    let at = 0;
    let pax: Map<string, string> | undefined;
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      if (data.length - at < BLOCK) return { kind: 'need', bytes: at + BLOCK, partial: at > 0 };
      const block = data.subarray(at, at + BLOCK);
      const offset = base + at;
      if (isZero(block)) return { kind: 'end' };
      verifyChecksum(block, offset);
      const typeflag = block[156];
      const storedSize = parseNumber(block, 124, 12, 'size', offset);
      const bodyEnd = at + BLOCK + storedSize + ((BLOCK - (storedSize % BLOCK)) % BLOCK);
      switch (typeflag) {
        case 0x78: // 'x': PAX extended header for the next member
        case 0x4c: // 'L': GNU long name of the next member
        case 0x4b: {
          // 'K': GNU long link name of the next member
          const what = typeflag === 0x78 ? 'a PAX extended header' : typeflag === 0x4c ? 'a GNU long name' : 'a GNU long link name';
          if (storedSize > this.maxMetaBytes) throw new TarFormatError(`${what} of ${storedSize} bytes, over the ${this.maxMetaBytes}-byte limit`);
          if (data.length < bodyEnd) return { kind: 'need', bytes: bodyEnd, partial: true };
          const body = data.subarray(at + BLOCK, at + BLOCK + storedSize);
          if (typeflag === 0x78) pax = parsePax(body, pax ?? new Map(), offset);
          else if (typeflag === 0x4c) longName = cString(body, 0, storedSize);
          else longLink = cString(body, 0, storedSize);
          at = bodyEnd;
          continue;
        }
        case 0x67: // 'g': PAX global header; like Go's reader, later members are not changed by it
        case 0x56: // 'V': volume label
        case 0x4e: // 'N': old GNU long-name records
          if (storedSize > this.maxMetaBytes) throw new TarFormatError(`a '${String.fromCharCode(typeflag)}' header of ${storedSize} bytes, over the ${this.maxMetaBytes}-byte limit`);
          if (data.length < bodyEnd) return { kind: 'need', bytes: bodyEnd, partial: true };
          at = bodyEnd;
          continue;
      }
      let consumed = at + BLOCK;
      if (typeflag === 0x53 && block[482] !== 0) {
        // 'S' with more sparse entries in extension blocks (a flag at byte 504 says another follows).
        for (let more = true; more; consumed += BLOCK) {
          if ((consumed - at) > this.maxMetaBytes) throw new TarFormatError(`a GNU sparse map over the ${this.maxMetaBytes}-byte limit`);
          if (data.length < consumed + BLOCK) return { kind: 'need', bytes: consumed + BLOCK, partial: true };
          more = data[consumed + 504] !== 0;
        }
      }
      return { kind: 'header', header: buildHeader(block, typeflag, storedSize, offset, pax, longName, longLink), consumed };
    }
  }
}

function buildHeader(
  block: Buffer,
  typeflag: number,
  storedSize: number,
  offset: number,
  pax: Map<string, string> | undefined,
  longName: string | undefined,
  longLink: string | undefined,
): TarHeader {
  let name = cString(block, 0, 100);
  // POSIX ustar ("ustar\0") splits long names into prefix + name; GNU's "ustar  \0" uses those bytes otherwise.
  if (block[257] === 0x75 && block.toString('latin1', 257, 263) === 'ustar\0') {
    const prefix = cString(block, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  let linkname = cString(block, 157, 100);
  let size = storedSize;
  let sparse = typeflag === 0x53;
  if (longName !== undefined) name = longName;
  if (longLink !== undefined) linkname = longLink;
  if (pax) {
    const path = pax.get('path');
    if (path !== undefined) name = path;
    const linkpath = pax.get('linkpath');
    if (linkpath !== undefined) linkname = linkpath;
    const paxSize = pax.get('size');
    if (paxSize !== undefined) size = parsePaxSize(paxSize, offset);
    for (const key of pax.keys()) if (key.startsWith('GNU.sparse.')) sparse = true;
    const sparseName = pax.get('GNU.sparse.name');
    if (sparseName !== undefined) name = sparseName;
  }
  const mode = parseNumber(block, 100, 8, 'mode', offset);
  const type = sparse ? 'sparse' : entryType(typeflag, name);
  // Go's archive/tar: these types never have a body, whatever the size field says.
  const headerOnly = type === 'link' || type === 'symlink' || type === 'character-device' || type === 'block-device' || type === 'fifo' || (type === 'directory' && typeflag !== 0x44);
  return { name, linkname, type, typeflag: String.fromCharCode(typeflag), size: headerOnly ? 0 : size, mode };
}

function entryType(typeflag: number, name: string): TarEntryType {
  switch (typeflag) {
    case 0x00: // old (v7) regular file; a trailing slash makes it a directory
      return name.endsWith('/') ? 'directory' : 'file';
    case 0x30:
      return 'file';
    case 0x31:
      return 'link';
    case 0x32:
      return 'symlink';
    case 0x33:
      return 'character-device';
    case 0x34:
      return 'block-device';
    case 0x35:
    case 0x44: // 'D': GNU dump directory (a directory whose body lists its entries)
      return 'directory';
    case 0x36:
      return 'fifo';
    case 0x37:
      return 'contiguous-file';
    default:
      return 'other';
  }
}

function isZero(buffer: Buffer): boolean {
  // Word-wise over the aligned part would be faster, but end-of-archive blocks are rare: keep it simple.
  for (let i = 0; i < buffer.length; i++) if (buffer[i] !== 0) return false;
  return true;
}

/** The header checksum: the sum of its bytes with the checksum field read as spaces (signed or unsigned, as old tars differ). */
function verifyChecksum(block: Buffer, offset: number): void {
  const stored = parseOctal(block, 148, 8);
  let unsigned = 8 * 0x20;
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    const byte = block[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  if (stored === undefined || (stored !== unsigned && stored !== signed)) {
    throw new TarFormatError(`the header at byte ${offset} has a bad checksum (not a tar header, or a corrupted one)`);
  }
}

/** An octal field (leading spaces, NUL or space terminated); undefined when it is not one. */
function parseOctal(block: Buffer, start: number, length: number): number | undefined {
  let i = start;
  const end = start + length;
  while (i < end && block[i] === 0x20) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const byte = block[i];
    if (byte === 0x00 || byte === 0x20) break;
    if (byte < 0x30 || byte > 0x37) return undefined;
    value = value * 8 + (byte - 0x30);
    digits++;
  }
  for (; i < end; i++) if (block[i] !== 0x00 && block[i] !== 0x20) return undefined;
  return digits === 0 ? 0 : value;
}

/** A numeric header field: octal, or GNU base-256 (first byte 0x80) for values octal cannot hold. */
function parseNumber(block: Buffer, start: number, length: number, field: string, offset: number): number {
  if (block[start] & 0x80) {
    if (block[start] === 0xff) throw new TarFormatError(`the header at byte ${offset} has a negative ${field}`);
    let value = block[start] & 0x7f;
    for (let i = start + 1; i < start + length; i++) {
      value = value * 256 + block[i];
      if (value > Number.MAX_SAFE_INTEGER) throw new TarFormatError(`the header at byte ${offset} has a ${field} too large to read`);
    }
    return value;
  }
  const value = parseOctal(block, start, length);
  if (value === undefined) throw new TarFormatError(`the header at byte ${offset} has an invalid ${field} field`);
  return value;
}

function parsePaxSize(value: string, offset: number): number {
  const size = /^[0-9]{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(size)) throw new TarFormatError(`the PAX header before byte ${offset} has an invalid size "${value.slice(0, 40)}"`);
  return size;
}

/** `LENGTH KEY=VALUE\n` records (POSIX pax); later records and headers override earlier ones. */
function parsePax(data: Buffer, into: Map<string, string>, offset: number): Map<string, string> {
  const invalid = () => new TarFormatError(`the PAX extended header at byte ${offset} is malformed`);
  let at = 0;
  while (at < data.length) {
    if (data[at] === 0) break; // NUL padding after the last record (some writers add it)
    const space = data.indexOf(0x20, at);
    if (space < 0 || space === at || space - at > 16) throw invalid();
    let length = 0;
    for (let i = at; i < space; i++) {
      const digit = data[i] - 0x30;
      if (digit < 0 || digit > 9) throw invalid();
      length = length * 10 + digit;
    }
    const end = at + length;
    if (end <= space + 1 || end > data.length || data[end - 1] !== 0x0a) throw invalid();
    const equals = data.indexOf(0x3d, space + 1);
    if (equals < 0 || equals === space + 1 || equals >= end) throw invalid();
    into.set(data.toString('utf8', space + 1, equals), data.toString('utf8', equals + 1, end - 1));
    at = end;
  }
  return into;
}

/** A NUL-terminated (or field-filling) string, UTF-8 as tar-stream and GNU tar in UTF-8 locales read names. */
function cString(block: Buffer, start: number, length: number): string {
  const end = start + length;
  let stop = start;
  while (stop < end && block[stop] !== 0) stop++;
  if (stop === start) return '';
  // ASCII fast path: most names are plain ASCII, and latin1 decoding of them is cheaper.
  for (let i = start; i < stop; i++) if (block[i] > 0x7f) return block.toString('utf8', start, stop);
  return block.toString('latin1', start, stop);
}
