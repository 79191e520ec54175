/**
 * Go build information (`go version -m`), read from an ELF executable as it streams past, keeping only
 * the build-info blob. A Go binary's `.go.buildinfo` section starts with the 16-byte-aligned magic
 * `\xff Go buildinf:`, then the pointer size and flags:
 * - Go 1.18+ (flag bit 1): the Go version and the module info follow inline as varint-prefixed strings.
 * - Go 1.13-1.17: two pointers to Go string headers in the data segment, whose bytes live in rodata,
 *   i.e. earlier in the file than the magic. For those the scanner remembers, while streaming, where the
 *   module info (wrapped in the linker's 16-byte sentinels) and `go1.` strings were, resolves the
 *   pointers through the ELF program headers when it reaches them, and keeps only the matching bytes.
 * Either way the result is normalized to the inline layout, so one parser reads both.
 * Layout: Go's src/debug/buildinfo/buildinfo.go and src/runtime/debug/mod.go.
 */

export const BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
/** The sentinels cmd/go wraps the module info in (modload.ModInfoProg). */
export const MODINFO_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
export const MODINFO_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');
const GO_VERSION_PREFIX = Buffer.from('go1.', 'latin1');

const HEADER_SIZE = 32;
const FLAG_BIG_ENDIAN = 0x1;
const FLAG_VERSION_INLINE = 0x2;
const MAX_STRING_BYTES = 1024 * 1024;
const MAX_VERSION_BYTES = 256;
/** The ELF header and program headers sit at the start of the file. */
const HEAD_BYTES = 64 * 1024;
const MAX_MAGIC_HITS = 16;
const MAX_MODINFO_HITS = 16;
const MAX_VERSION_CANDIDATES = 4096;
const VERSION_CANDIDATE_BYTES = 48;
const PT_LOAD = 1;
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
/** Enough of the previous chunk to find a needle that straddles two chunks. */
const NEEDLE_OVERLAP = MODINFO_START.length - 1;
const PF_W = 0x2;

/** The largest normalized blob: header, two varints and two bounded strings. */
export const MAX_BUILDINFO_BLOB_BYTES = HEADER_SIZE + 2 * 10 + MAX_VERSION_BYTES + MAX_STRING_BYTES + 2 * MODINFO_START.length;

interface Segment {
  offset: number;
  vaddr: number;
  filesz: number;
  writable: boolean;
}

interface ElfLayout {
  segments: Segment[];
}

/** A byte range to keep, growing until `need` says it has enough (or gives up). */
interface Capture {
  start: number;
  bytes: Buffer;
  /** Total bytes wanted given what is there, or 'done' / 'fail'. */
  need: (bytes: Buffer) => number | 'done' | 'fail';
  onDone: (bytes: Buffer) => void;
  onFail: () => void;
  finished: boolean;
}

interface MagicHit {
  offset: number;
  /** Normalized (inline) blob once resolved. */
  blob?: Buffer;
}

type StringDone = (bytes: Buffer | undefined, behind?: { offset: number; length: number }) => void;

/**
 * Feed it a file's chunks in order (`push`), then `finish()` for the normalized build-info blob, or
 * undefined when the file is not an ELF Go binary.
 */
export class GoBuildInfoScanner {
  private position = 0;
  private head = Buffer.alloc(0);
  /** undefined: not decided yet; null: not ELF. */
  private elf: ElfLayout | undefined | null = undefined;
  private tail = Buffer.alloc(0);
  private captures: Capture[] = [];
  private readonly magicHits: MagicHit[] = [];
  private readonly modinfoByOffset = new Map<number, Buffer>();
  private readonly versionCandidates = new Map<number, Buffer>();

  /** False once the file turned out not to be ELF: the caller may stop feeding (but must drain). */
  get relevant(): boolean {
    return this.elf !== null;
  }

  push(chunk: Buffer): void {
    if (this.elf === null || chunk.length === 0) return;
    this.collectHead(chunk);
    if (this.elf === null) return;
    const chunkStart = this.position;
    this.findNeedles(chunk, chunkStart);
    this.feedCaptures(chunk, chunkStart);
    this.position += chunk.length;
    this.tail = Buffer.from(Buffer.concat([this.tail, chunk.subarray(-NEEDLE_OVERLAP)]).subarray(-NEEDLE_OVERLAP));
  }

  finish(): Buffer | undefined {
    if (!this.elf) return undefined;
    const resolved = this.magicHits.filter((h) => h.blob !== undefined);
    // The real header is in the writable data segment; a copy of the magic in rodata (programs that
    // import debug/buildinfo) is not.
    const inData = resolved.find((h) => this.segmentOf(h.offset)?.writable);
    return (inData ?? resolved[0])?.blob;
  }

  private collectHead(chunk: Buffer): void {
    if (this.elf !== undefined) return;
    if (this.head.length < HEAD_BYTES) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
    }
    if (this.head.length >= 4 && !this.head.subarray(0, 4).equals(ELF_MAGIC)) {
      this.elf = null;
    } else {
      this.elf = parseElfLayout(this.head);
    }
    if (this.elf !== undefined) this.head = Buffer.alloc(0);
  }

  private findNeedles(chunk: Buffer, chunkStart: number): void {
    // Matches that straddle the previous chunk: search its tail + the start of this chunk.
    const boundary = Buffer.concat([this.tail, chunk.subarray(0, NEEDLE_OVERLAP)]);
    const boundaryStart = chunkStart - this.tail.length;
    for (const [needle, onHit] of this.needles) {
      for (let at = boundary.indexOf(needle); at >= 0 && at < this.tail.length; at = boundary.indexOf(needle, at + 1)) {
        if (at + needle.length > this.tail.length) onHit(boundaryStart + at);
      }
      for (let at = chunk.indexOf(needle); at >= 0; at = chunk.indexOf(needle, at + 1)) onHit(chunkStart + at);
    }
  }

  private readonly needles: [Buffer, (offset: number) => void][] = [
    [BUILDINFO_MAGIC, (offset) => this.onMagic(offset)],
    [MODINFO_START, (offset) => this.onModinfoStart(offset)],
    [GO_VERSION_PREFIX, (offset) => this.onVersionCandidate(offset)],
  ];

  private onMagic(offset: number): void {
    if (this.magicHits.length >= MAX_MAGIC_HITS) return;
    const hit: MagicHit = { offset };
    this.magicHits.push(hit);
    this.capture(offset, inlineHeaderNeed, (bytes) => {
      if ((bytes[15] ?? 0) & FLAG_VERSION_INLINE) hit.blob = bytes;
      else this.resolvePointerHeader(hit, bytes);
    });
  }

  private onModinfoStart(offset: number): void {
    if (this.modinfoByOffset.size >= MAX_MODINFO_HITS) return;
    const endOf = (bytes: Buffer): number => bytes.indexOf(MODINFO_END, MODINFO_START.length);
    this.capture(
      offset,
      (bytes) => (endOf(bytes) >= 0 ? 'done' : bytes.length >= MAX_STRING_BYTES ? 'fail' : Math.min(bytes.length + 64 * 1024, MAX_STRING_BYTES)),
      (bytes) => this.modinfoByOffset.set(offset, Buffer.from(bytes.subarray(0, endOf(bytes) + MODINFO_END.length))),
    );
  }

  private onVersionCandidate(offset: number): void {
    if (this.versionCandidates.size >= MAX_VERSION_CANDIDATES) return;
    this.capture(
      offset,
      (bytes) => (bytes.length >= VERSION_CANDIDATE_BYTES ? 'done' : VERSION_CANDIDATE_BYTES),
      (bytes) => this.versionCandidates.set(offset, Buffer.from(bytes)),
    );
  }

  /** Go 1.13-1.17: follow the two pointers to string headers, then to the strings' bytes. */
  private resolvePointerHeader(hit: MagicHit, header: Buffer): void {
    const ptrSize = header[14];
    if (ptrSize !== 4 && ptrSize !== 8) return;
    const bigEndian = ((header[15] ?? 0) & FLAG_BIG_ENDIAN) !== 0;
    let version: Buffer | undefined;
    let modinfo: Buffer | undefined;
    let pending = 2;
    const settle = (): void => {
      if (--pending === 0 && version && version.length > 0) {
        hit.blob = encodeInlineBlob(ptrSize, version, modinfo ?? Buffer.alloc(0));
      }
    };
    this.readGoString(readPointer(header, 16, ptrSize, bigEndian), ptrSize, bigEndian, MAX_VERSION_BYTES, (bytes, behind) => {
      version = bytes ?? (behind ? this.versionCandidates.get(behind.offset)?.subarray(0, behind.length) : undefined);
      // A candidate shorter than the string means it was not the version after all.
      if (behind && version && version.length !== behind.length) version = undefined;
      settle();
    });
    this.readGoString(readPointer(header, 16 + ptrSize, ptrSize, bigEndian), ptrSize, bigEndian, MAX_STRING_BYTES, (bytes, behind) => {
      modinfo = bytes ?? (behind ? this.modinfoByOffset.get(behind.offset) : undefined);
      if (behind && modinfo && modinfo.length !== behind.length) modinfo = undefined;
      settle();
    });
  }

  /**
   * Reads the Go string header at `addr` (data pointer, length) when the stream reaches it, then the
   * string itself if it lies ahead; if it already went past, reports where it was (the caller looks
   * among what it remembered).
   */
  private readGoString(addr: number | undefined, ptrSize: number, bigEndian: boolean, maxLength: number, done: StringDone): void {
    const headerOffset = addr === undefined ? undefined : this.fileOffset(addr);
    if (headerOffset === undefined) {
      done(undefined);
      return;
    }
    this.capture(
      headerOffset,
      () => 2 * ptrSize,
      (stringHeader) => {
        const dataAddr = readPointer(stringHeader, 0, ptrSize, bigEndian);
        const length = readPointer(stringHeader, ptrSize, ptrSize, bigEndian);
        const dataOffset = dataAddr === undefined ? undefined : this.fileOffset(dataAddr);
        if (dataOffset === undefined || length === undefined || length > maxLength) done(undefined);
        else if (dataOffset < this.position) done(undefined, { offset: dataOffset, length });
        else this.capture(dataOffset, () => length, (bytes) => done(bytes), () => done(undefined));
      },
      () => done(undefined),
    );
  }

  private fileOffset(vaddr: number): number | undefined {
    for (const s of this.elf ? this.elf.segments : []) {
      if (vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz) return s.offset + (vaddr - s.vaddr);
    }
    return undefined;
  }

  private segmentOf(offset: number): Segment | undefined {
    return this.elf ? this.elf.segments.find((s) => offset >= s.offset && offset < s.offset + s.filesz) : undefined;
  }

  private capture(start: number, need: Capture['need'], onDone: Capture['onDone'], onFail: () => void = () => undefined): void {
    let bytes = Buffer.alloc(0);
    if (start < this.position) {
      // Only a needle straddling two chunks starts behind: its first bytes are in the tail.
      const tailStart = this.position - this.tail.length;
      if (start < tailStart) {
        onFail();
        return;
      }
      bytes = Buffer.from(this.tail.subarray(start - tailStart));
    }
    this.captures.push({ start, bytes, need, onDone, onFail, finished: false });
  }

  private feedCaptures(chunk: Buffer, chunkStart: number): void {
    const chunkEnd = chunkStart + chunk.length;
    // Index loop: callbacks may add captures that start inside this very chunk.
    for (let i = 0; i < this.captures.length; i++) {
      const c = this.captures[i];
      while (c && !c.finished) {
        const wanted = c.need(c.bytes);
        if (wanted === 'done' || wanted === 'fail' || wanted <= c.bytes.length) {
          c.finished = true;
          if (wanted === 'fail') c.onFail();
          else c.onDone(c.bytes);
          break;
        }
        const next = c.start + c.bytes.length;
        if (next < chunkStart) {
          c.finished = true;
          c.onFail();
          break;
        }
        if (next >= chunkEnd) break;
        const take = chunk.subarray(next - chunkStart, Math.min(chunkEnd, c.start + wanted) - chunkStart);
        c.bytes = Buffer.concat([c.bytes, take]);
      }
    }
    this.captures = this.captures.filter((c) => !c.finished);
  }
}

/** Bytes needed for a buildinfo header: 32, and for the inline layout the two strings after it. */
function inlineHeaderNeed(bytes: Buffer): number | 'done' | 'fail' {
  if (bytes.length < HEADER_SIZE) return HEADER_SIZE;
  const ptrSize = bytes[14];
  if (ptrSize !== 4 && ptrSize !== 8) return 'fail';
  if (((bytes[15] ?? 0) & FLAG_VERSION_INLINE) === 0) return 'done';
  let at = HEADER_SIZE;
  for (let i = 0; i < 2; i++) {
    const length = readUvarint(bytes, at);
    if (length === 'short') return bytes.length + 10;
    if (length === undefined || length.value > (i === 0 ? MAX_VERSION_BYTES : MAX_STRING_BYTES)) return 'fail';
    at = length.next + length.value;
    if (bytes.length < at) return at;
  }
  return 'done';
}

function readUvarint(bytes: Buffer, at: number): { value: number; next: number } | 'short' | undefined {
  let value = 0;
  let shift = 0;
  for (let i = at; i < at + 10; i++) {
    const b = bytes[i];
    if (b === undefined) return 'short';
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return { value, next: i + 1 };
    shift += 7;
  }
  return undefined;
}

function writeUvarint(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

function readPointer(bytes: Buffer, at: number, ptrSize: number, bigEndian: boolean): number | undefined {
  if (at + ptrSize > bytes.length) return undefined;
  if (ptrSize === 4) return bigEndian ? bytes.readUInt32BE(at) : bytes.readUInt32LE(at);
  const value = bigEndian ? bytes.readBigUInt64BE(at) : bytes.readBigUInt64LE(at);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(value);
}

/** The Go 1.18+ layout: magic, pointer size, flags (inline), padding, then two varint-prefixed strings. */
export function encodeInlineBlob(ptrSize: number, version: Buffer, modinfo: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  BUILDINFO_MAGIC.copy(header, 0);
  header[14] = ptrSize;
  header[15] = FLAG_VERSION_INLINE;
  return Buffer.concat([header, writeUvarint(version.length), version, writeUvarint(modinfo.length), modinfo]);
}

/** The raw strings of an inline blob: Go version and module info (sentinels removed, '' if none). */
export function decodeInlineBlob(blob: Buffer): { goVersion: string; modinfo: string } | undefined {
  if (blob.length < HEADER_SIZE || !blob.subarray(0, BUILDINFO_MAGIC.length).equals(BUILDINFO_MAGIC)) return undefined;
  if (((blob[15] ?? 0) & FLAG_VERSION_INLINE) === 0) return undefined;
  const versionLength = readUvarint(blob, HEADER_SIZE);
  if (typeof versionLength !== 'object') return undefined;
  const versionEnd = versionLength.next + versionLength.value;
  const modLength = readUvarint(blob, versionEnd);
  if (typeof modLength !== 'object' || modLength.next + modLength.value > blob.length) return undefined;
  const goVersion = blob.toString('utf8', versionLength.next, versionEnd);
  const mod = blob.subarray(modLength.next, modLength.next + modLength.value);
  // As debug/buildinfo: strip the 16-byte sentinels, or there is no module info.
  const modinfo = mod.length >= 33 && mod[mod.length - 17] === 0x0a ? mod.toString('utf8', 16, mod.length - 16) : '';
  return { goVersion, modinfo };
}

/** The program headers' PT_LOAD segments, once the head holds them; undefined while more is needed. */
function parseElfLayout(head: Buffer): ElfLayout | undefined {
  if (head.length < 64) return undefined;
  const is64 = head[4] === 2;
  const littleEndian = head[5] !== 2;
  const u16 = (at: number): number => (littleEndian ? head.readUInt16LE(at) : head.readUInt16BE(at));
  const u32 = (at: number): number => (littleEndian ? head.readUInt32LE(at) : head.readUInt32BE(at));
  const u64 = (at: number): number => Number(littleEndian ? head.readBigUInt64LE(at) : head.readBigUInt64BE(at));
  const phoff = is64 ? u64(0x20) : u32(0x1c);
  const phentsize = is64 ? u16(0x36) : u16(0x2a);
  const phnum = is64 ? u16(0x38) : u16(0x2c);
  const end = phoff + phentsize * phnum;
  if (phentsize < (is64 ? 56 : 32) || end > HEAD_BYTES) {
    // Program headers out of reach: still a candidate, only without pointer resolution (Go < 1.18).
    return { segments: [] };
  }
  if (head.length < end) return undefined;
  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (u32(at) !== PT_LOAD) continue;
    segments.push(
      is64
        ? { offset: u64(at + 8), vaddr: u64(at + 16), filesz: u64(at + 32), writable: (u32(at + 4) & PF_W) !== 0 }
        : { offset: u32(at + 4), vaddr: u32(at + 8), filesz: u32(at + 16), writable: (u32(at + 24) & PF_W) !== 0 },
    );
  }
  return { segments };
}
