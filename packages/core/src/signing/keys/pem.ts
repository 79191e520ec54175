/**
 * PEM armour, as Go's encoding/pem reads and writes it (cosign's key files are written by Go): the first
 * `-----BEGIN LABEL-----` block in a text, optional RFC 1421 headers, a base64 body, 64-character lines.
 */
import { ShipshapeError } from '../../errors';

export interface PemBlock {
  label: string;
  /** RFC 1421 headers (`Proc-Type`, `DEK-Info`): only OpenSSL's legacy encrypted keys have them. */
  headers: Record<string, string>;
  der: Buffer;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END ([A-Z0-9 ]+)-----/;
const BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HEADER = /^([A-Za-z0-9-]+):\s*(.*)$/;

/** Whether the text contains a PEM block at all (to tell "not PEM" from "broken PEM"). */
export function hasPemBlock(text: string): boolean {
  return BLOCK.test(text);
}

/**
 * The first PEM block, or undefined when there is none. A block whose end label does not match or
 * whose body is not base64 is an error naming `where`; the body is never quoted (it may be a key).
 */
export function decodePem(text: string, where: string): PemBlock | undefined {
  const match = BLOCK.exec(text);
  if (!match) {
    const begin = BEGIN.exec(text);
    if (begin) throw new ShipshapeError('input', `the PEM block "${begin[1]}" has no END line; the file is truncated`, { where });
    return undefined;
  }
  const [, label, inner, endLabel] = match as unknown as [string, string, string, string];
  if (endLabel !== label) {
    throw new ShipshapeError('input', `the PEM block "${label}" ends with "END ${endLabel}"; the file is damaged`, { where });
  }
  const headers: Record<string, string> = {};
  const lines = inner.split(/\r?\n/);
  let index = 0;
  if (lines[0] !== undefined && HEADER.test(lines[0])) {
    for (; index < lines.length && lines[index]!.trim() !== ''; index++) {
      const header = HEADER.exec(lines[index]!);
      if (header) headers[header[1]!] = header[2]!;
    }
  }
  const body = lines.slice(index).join('').replace(/\s+/g, '');
  if (body.length === 0 || body.length % 4 !== 0 || !BASE64.test(body)) {
    throw new ShipshapeError('input', `the body of the PEM block "${label}" is not valid base64; the file is damaged or truncated`, { where });
  }
  return { label, headers, der: Buffer.from(body, 'base64') };
}

/** PEM text as Go's pem.EncodeToMemory writes it: 64-character lines, a final newline. */
export function encodePem(label: string, der: Buffer): string {
  const body = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}
