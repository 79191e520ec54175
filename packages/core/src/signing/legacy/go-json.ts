/**
 * JSON as Go's encoding/json writes it, for the documents cosign writes byte for byte (the signed
 * simple-signing payload, the bundle annotation). Two differences from JSON.stringify matter:
 * map keys are sorted, and `<`, `>`, `&`, U+2028 and U+2029 are escaped (HTML-safe), with `\b` and
 * `\f` written as `\u0008` / `\u000c`. Struct fields keep their declared order: callers build
 * objects with keys in that order and mark maps (sorted) with `goMap`.
 */

const MAP = Symbol('go-map');

export type GoJsonValue = null | boolean | number | string | GoJsonValue[] | { [key: string]: GoJsonValue };

/** Marks a plain object as a Go map: its keys are written sorted, as encoding/json does. */
export function goMap<T extends Record<string, GoJsonValue>>(map: T): T {
  Object.defineProperty(map, MAP, { value: true, enumerable: false });
  return map;
}

export function goJson(value: GoJsonValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('JSON cannot hold a non-finite number');
      return String(value);
    case 'string':
      return goString(value);
  }
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  const keys = Object.keys(value);
  if ((value as Record<symbol, unknown>)[MAP]) keys.sort(compareBytes);
  return `{${keys.map((k) => `${goString(k)}:${goJson(value[k] as GoJsonValue)}`).join(',')}}`;
}

function goString(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (char === '"') out += '\\"';
    else if (char === '\\') out += '\\\\';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code < 0x20 || char === '<' || char === '>' || char === '&' || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, '0')}`;
    // A lone surrogate is not UTF-8; Go writes the replacement character.
    else if (code >= 0xd800 && code <= 0xdfff) out += '\ufffd';
    else out += char;
  }
  return `${out}"`;
}

/** Go sorts map keys by their UTF-8 bytes. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
