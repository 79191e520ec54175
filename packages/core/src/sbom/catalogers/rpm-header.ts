/**
 * An rpm header as the rpm database stores it (the `blob` of rpmdb.sqlite's Packages table): a big-endian
 * index count and data length, that many 16-byte index entries (tag, type, offset, count), then the data
 * store. Only the few tags an SBOM needs are read; every offset is checked against the blob, so a hostile
 * blob yields an error, never an out-of-bounds read. Layout: rpm's lib/header.c (headerImport).
 */

export const RPMTAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  SIZE: 1009,
  VENDOR: 1011,
  LICENSE: 1014,
  PACKAGER: 1015,
  URL: 1020,
  ARCH: 1022,
  SOURCERPM: 1044,
  MODULARITYLABEL: 5096,
} as const;

const RPM_INT32_TYPE = 4;
const RPM_STRING_TYPE = 6;
const RPM_STRING_ARRAY_TYPE = 8;
const RPM_I18NSTRING_TYPE = 9;
/** rpm's own limits (hdrchkTags, headerMaxbytes). */
const MAX_INDEX_ENTRIES = 0xffff;
const MAX_HEADER_BYTES = 256 * 1024 * 1024;

export interface RpmHeaderInfo {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
  license?: string;
  sourceRpm?: string;
  vendor?: string;
  summary?: string;
  url?: string;
  size?: number;
  modularityLabel?: string;
}

export class RpmHeaderError extends Error {}

interface IndexEntry {
  type: number;
  offset: number;
  count: number;
}

export function parseRpmHeader(blob: Uint8Array): RpmHeaderInfo {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buf.length < 8) throw new RpmHeaderError('header shorter than its 8-byte preamble');
  const il = buf.readUInt32BE(0);
  const dl = buf.readUInt32BE(4);
  if (il < 1 || il > MAX_INDEX_ENTRIES) throw new RpmHeaderError(`implausible index entry count ${il}`);
  const dataStart = 8 + il * 16;
  const dataEnd = dataStart + dl;
  if (dl > MAX_HEADER_BYTES || dataEnd > buf.length) {
    throw new RpmHeaderError(`header declares ${il} entries and ${dl} data bytes but the blob holds ${buf.length} bytes`);
  }

  // Later entries win: an rpm header may carry "dribble" entries after its region that replace earlier ones.
  const entries = new Map<number, IndexEntry>();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const tag = buf.readInt32BE(at);
    if (tag < 1000) continue; // region markers and signature tags
    entries.set(tag, { type: buf.readUInt32BE(at + 4), offset: buf.readInt32BE(at + 8), count: buf.readUInt32BE(at + 12) });
  }

  const readString = (tag: number): string | undefined => {
    const entry = entries.get(tag);
    if (!entry) return undefined;
    if (entry.type !== RPM_STRING_TYPE && entry.type !== RPM_STRING_ARRAY_TYPE && entry.type !== RPM_I18NSTRING_TYPE) {
      throw new RpmHeaderError(`tag ${tag} has type ${entry.type}, expected a string`);
    }
    const start = dataStart + entry.offset;
    if (entry.offset < 0 || start >= dataEnd) throw new RpmHeaderError(`tag ${tag} points outside the data store`);
    const end = buf.indexOf(0, start);
    if (end < 0 || end >= dataEnd) throw new RpmHeaderError(`tag ${tag} has an unterminated string`);
    return buf.toString('utf8', start, end);
  };
  const readInt32 = (tag: number): number | undefined => {
    const entry = entries.get(tag);
    if (!entry) return undefined;
    if (entry.type !== RPM_INT32_TYPE || entry.count < 1) throw new RpmHeaderError(`tag ${tag} has type ${entry.type}, expected int32`);
    const start = dataStart + entry.offset;
    if (entry.offset < 0 || start + 4 > dataEnd) throw new RpmHeaderError(`tag ${tag} points outside the data store`);
    return buf.readInt32BE(start);
  };

  const name = readString(RPMTAG.NAME);
  if (!name) throw new RpmHeaderError('header has no NAME');
  const info: RpmHeaderInfo = { name, version: readString(RPMTAG.VERSION) ?? '', release: readString(RPMTAG.RELEASE) ?? '' };
  const epoch = readInt32(RPMTAG.EPOCH);
  if (epoch !== undefined) info.epoch = epoch;
  const size = readInt32(RPMTAG.SIZE);
  if (size !== undefined) info.size = size;
  const strings: [keyof RpmHeaderInfo, number][] = [
    ['arch', RPMTAG.ARCH],
    ['license', RPMTAG.LICENSE],
    ['sourceRpm', RPMTAG.SOURCERPM],
    ['vendor', RPMTAG.VENDOR],
    ['summary', RPMTAG.SUMMARY],
    ['url', RPMTAG.URL],
    ['modularityLabel', RPMTAG.MODULARITYLABEL],
  ];
  for (const [property, tag] of strings) {
    const value = readString(tag);
    if (value) (info as unknown as Record<string, string>)[property] = value;
  }
  return info;
}
