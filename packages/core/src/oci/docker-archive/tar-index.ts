/**
 * A table of contents of a tar file, made by reading only its headers: each member's name, type,
 * data offset and size, so members can be served straight from the file (`createReadStream` with
 * start/end) without extracting anything. Understands ustar (with its name prefix), pax extended
 * headers (`path`, `linkpath`, `size`), GNU long names (`././@LongLink`) and base-256 sizes.
 * The archive is untrusted: checksums are checked, sizes and counts bounded, and a member name that
 * is absolute or climbs out with `..` is refused (a `docker save` archive never has one).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ShipshapeError } from '../../errors';

export type TarMemberType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarMember {
  /** Normalized path inside the archive: no leading `./` or `/`, no trailing `/`. */
  name: string;
  type: TarMemberType;
  /** Byte offset of the member's data in the tar file. */
  offset: number;
  size: number;
  /** Target of a symlink (relative to the link's directory) or hardlink (relative to the archive root). */
  linkName?: string;
}

export interface TarScanLimits {
  maxMembers?: number;
  /** Largest pax header or GNU long name accepted. */
  maxMetadataBytes?: number;
}

const BLOCK = 512;
const DEFAULT_MAX_MEMBERS = 200_000;
const DEFAULT_MAX_METADATA = 1024 * 1024;
const HEADERS_PER_MEMBER = 4;

interface PendingMetadata {
  path?: string;
  linkPath?: string;
  size?: number;
}

/** Scans the tar at `file` once; members by normalized name. */
export async function scanTar(file: string, limits: TarScanLimits = {}): Promise<Map<string, TarMember>> {
  const maxMembers = limits.maxMembers ?? DEFAULT_MAX_MEMBERS;
  const maxMetadata = limits.maxMetadataBytes ?? DEFAULT_MAX_METADATA;
  const handle = await fs.open(file, 'r');
  try {
    const fileSize = (await handle.stat()).size;
    const members = new Map<string, TarMember>();
    const fail = (message: string, hint?: string) => new ShipshapeError('input', message, { where: file, hint });
    const truncated = (what: string) => fail(`the archive is truncated: ${what}`, 'the file was cut short (an interrupted copy or download?); create it again');
    let offset = 0;
    let pending: PendingMetadata = {};
    let headers = 0;

    for (;;) {
      if (offset + BLOCK > fileSize) throw truncated(`it ends at byte ${fileSize} without the end-of-archive marker`);
      const header = await readExactly(handle, offset, BLOCK, file);
      if (isZeroBlock(header)) return members;
      // Every member may bring a few metadata headers; this bounds the work on a hostile archive.
      if (++headers > maxMembers * HEADERS_PER_MEMBER) throw fail(`the archive has more than ${maxMembers} members`);
      checkChecksum(header, offset, fail);

      const typeflag = String.fromCharCode(header[156]);
      const isMetadata = typeflag === 'x' || typeflag === 'L' || typeflag === 'K' || typeflag === 'g';
      const headerSize = parseNumber(header.subarray(124, 136), 'size', offset, fail);
      // A pax `size` overrides the next real member's header (sizes over 8 GiB), never a metadata header's.
      const size = isMetadata ? headerSize : (pending.size ?? headerSize);
      const dataOffset = offset + BLOCK;
      const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
      if (dataOffset + size > fileSize) throw truncated(`member at offset ${offset} needs ${size} bytes but the file ends at byte ${fileSize}`);

      if (isMetadata) {
        if (size > maxMetadata) throw fail(`an extended header at offset ${offset} is ${size} bytes, over the ${maxMetadata}-byte limit`);
        const data = await readExactly(handle, dataOffset, size, file);
        if (typeflag === 'x') pending = { ...pending, ...parsePax(data, offset, fail) };
        else if (typeflag === 'L') pending.path = cString(data);
        else if (typeflag === 'K') pending.linkPath = cString(data);
        // 'g' (global pax defaults) carries nothing a docker-save archive needs.
        offset = next;
        continue;
      }

      const rawName = pending.path ?? ustarName(header);
      const type = memberType(typeflag);
      const name = normalizeMemberName(rawName, file);
      const member: TarMember = { name, type, offset: dataOffset, size: type === 'file' ? size : 0 };
      if (type === 'symlink' || type === 'hardlink') member.linkName = pending.linkPath ?? cString(header.subarray(157, 257));
      if (name !== '') {
        if (members.has(name) && type !== 'directory') throw fail(`the member "${name}" appears twice in the archive`, 'a docker save archive never repeats a member; the file was modified');
        if (members.size >= maxMembers) throw fail(`the archive has more than ${maxMembers} members`);
        members.set(name, member);
      }
      pending = {};
      offset = next;
    }
  } finally {
    await handle.close();
  }
}

/**
 * `./a//b/` → `a/b`. Refuses absolute names and `..` components: such a member could only be meant
 * to escape an extraction directory, and nothing legitimate in an image archive needs one.
 */
export function normalizeMemberName(raw: string, where: string): string {
  if (raw.includes('\0') || raw.startsWith('/') || /^[A-Za-z]:[\\/]/.test(raw)) {
    throw hostileName(raw, where);
  }
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw hostileName(raw, where);
  return parts.join('/');
}

/** A link target resolved inside the archive: symlinks relative to their directory, hardlinks to the root. */
export function resolveLinkTarget(member: TarMember, where: string): string {
  const target = member.linkName ?? '';
  if (target.startsWith('/')) throw hostileName(target, where);
  const joined = member.type === 'symlink' ? path.posix.join(path.posix.dirname(member.name), target) : target;
  const normalized = path.posix.normalize(joined);
  if (normalized === '..' || normalized.startsWith('../')) throw hostileName(target, where);
  return normalizeMemberName(normalized, where);
}

function hostileName(name: string, where: string): ShipshapeError {
  return new ShipshapeError('input', `the archive has a member named ${JSON.stringify(name)}, which points outside the archive`, {
    where,
    hint: 'this is not an archive written by `docker save`; do not use it',
  });
}

function memberType(typeflag: string): TarMemberType {
  switch (typeflag) {
    case '0':
    case '\0':
    case '7':
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '5':
      return 'directory';
    default:
      return 'other';
  }
}

/** ustar splits long names into `prefix/name`; GNU tar's "ustar  " magic uses that space for other things. */
function ustarName(header: Buffer): string {
  const name = cString(header.subarray(0, 100));
  const isPosixUstar = header.subarray(257, 263).toString('latin1') === 'ustar\0';
  const prefix = isPosixUstar ? cString(header.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function checkChecksum(header: Buffer, offset: number, fail: (message: string) => ShipshapeError): void {
  const stored = parseOctal(header.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  // Some historic writers summed signed bytes; both are accepted, as GNU tar and Go do.
  if (stored === undefined || (stored !== unsigned && stored !== signed)) {
    throw fail(`the tar header at offset ${offset} has a bad checksum (not a tar file, or corrupted)`);
  }
}

/** An octal field, or GNU base-256 when the high bit of the first byte is set. */
function parseNumber(field: Buffer, what: string, offset: number, fail: (message: string) => ShipshapeError): number {
  if (field[0] & 0x80) {
    if (field[0] === 0xff) throw fail(`the tar header at offset ${offset} has a negative ${what}`);
    let value = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) {
      value = value * 256 + field[i];
      if (value > Number.MAX_SAFE_INTEGER) throw fail(`the tar header at offset ${offset} has an impossibly large ${what}`);
    }
    return value;
  }
  const value = parseOctal(field);
  if (value === undefined) throw fail(`the tar header at offset ${offset} has an unreadable ${what} field`);
  return value;
}

function parseOctal(field: Buffer): number | undefined {
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (!/^[0-7]*$/.test(text)) return undefined;
  return text === '' ? 0 : parseInt(text, 8);
}

/** pax records: `<length> <key>=<value>\n`, the length counting the whole record. */
function parsePax(data: Buffer, offset: number, fail: (message: string) => ShipshapeError): PendingMetadata {
  const result: PendingMetadata = {};
  let position = 0;
  while (position < data.length) {
    if (data[position] === 0) break;
    const space = data.indexOf(0x20, position);
    const length = space > position ? Number(data.subarray(position, space).toString('latin1')) : NaN;
    if (!Number.isInteger(length) || length <= space - position || position + length > data.length || data[position + length - 1] !== 0x0a) {
      throw fail(`the pax header at offset ${offset} is malformed`);
    }
    const record = data.subarray(space + 1, position + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals < 0) throw fail(`the pax header at offset ${offset} is malformed`);
    const key = record.slice(0, equals);
    const value = record.slice(equals + 1);
    if (key === 'path') result.path = value;
    else if (key === 'linkpath') result.linkPath = value;
    else if (key === 'size') {
      if (!/^\d+$/.test(value) || Number(value) > Number.MAX_SAFE_INTEGER) throw fail(`the pax header at offset ${offset} has an invalid size`);
      result.size = Number(value);
    }
    position += length;
  }
  return result;
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end < 0 ? bytes.length : end).toString('utf8');
}

function isZeroBlock(block: Buffer): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

async function readExactly(handle: fs.FileHandle, position: number, length: number, file: string): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  if (filled < length) {
    throw new ShipshapeError('input', `the archive is truncated: ${length} bytes expected at offset ${position}`, { where: file });
  }
  return buffer;
}
