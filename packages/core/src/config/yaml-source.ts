/**
 * Parses one YAML file into the raw `security:` block plus a way to find where each field is written,
 * so every error can name a line and column. A file holds the block under a top-level `security:` key
 * (a stack or compose-like file whose other keys are ignored) or is the block itself.
 */
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ConfigError } from './errors';
import { formatPath, type FieldPath } from './paths';

export interface Position {
  line: number;
  column: number;
}

export interface ParsedConfigFile {
  file: string;
  /** The raw block (before validation); `{}` for an empty file. */
  data: unknown;
  /** True when the block sits under a top-level `security:` key. */
  wrapped: boolean;
  /** YAML syntax errors: the first one only, since later ones are usually its echoes. */
  errors: ConfigError[];
  /** Where a field of the block is written: its value, or with `at: 'key'` its key; falls back to the nearest ancestor. */
  locate(fieldPath: FieldPath, at?: 'key' | 'value'): Position;
}

export const WRAPPER_KEY = 'security';

export function parseConfigText(text: string, file: string): ParsedConfigFile {
  const lineCounter = new LineCounter();
  // merge: YAML `<<: *anchor` keys, common in stack files; uniqueKeys: a duplicated key is an error.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const wrapped = isMap(doc.contents) && doc.contents.has(WRAPPER_KEY);
  const prefix: FieldPath = wrapped ? [WRAPPER_KEY] : [];

  const locate = (fieldPath: FieldPath, at: 'key' | 'value' = 'value'): Position => {
    const full = [...prefix, ...fieldPath];
    for (let length = full.length; length > 0; length--) {
      const pair = pairAt(doc, full.slice(0, length));
      const useKey = at === 'key' && length === full.length;
      const node = useKey ? pair?.key : (pair?.value ?? pair?.key);
      if (node?.range) return position(node.range[0]);
    }
    return doc.contents?.range ? position(doc.contents.range[0]) : { line: 1, column: 1 };
  };

  const syntaxError = doc.errors[0];
  if (syntaxError) {
    const blockPath = pathAtOffset(doc, syntaxError.pos[0]);
    const fieldPath = wrapped && blockPath[0] === WRAPPER_KEY ? blockPath.slice(1) : blockPath;
    const { line, column } = position(syntaxError.pos[0]);
    return {
      file,
      data: {},
      wrapped,
      locate,
      errors: [{ file, line, column, path: formatPath(fieldPath), message: `YAML syntax error: ${oneLine(syntaxError.message)}` }],
    };
  }

  let js: unknown;
  try {
    js = doc.toJS(); // bounded alias expansion (maxAliasCount) guards against "billion laughs" files
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { file, data: {}, wrapped, locate, errors: [{ file, line: 1, column: 1, path: '', message: `YAML error: ${oneLine(message)}` }] };
  }
  let data = wrapped ? (js as Record<string, unknown>)[WRAPPER_KEY] : js;
  // An empty file, or a bare `security:`, is an empty configuration: the defaults apply.
  if (data === null || data === undefined) data = {};
  return { file, data, wrapped, locate, errors: [] };
}

type AnyPair = { key: Node | null; value: Node | null };

/** The map entry (or list item, as a pair with no key) at `fieldPath`. */
function pairAt(doc: Document, fieldPath: FieldPath): AnyPair | undefined {
  let node: unknown = doc.contents;
  let found: AnyPair | undefined;
  for (const segment of fieldPath) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) return undefined;
      found = { key: isNode(pair.key) ? pair.key : null, value: isNode(pair.value) ? pair.value : null };
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (!isNode(item)) return undefined;
      found = { key: null, value: item };
    } else {
      return undefined;
    }
    node = found.value;
  }
  return found;
}

/** The field path of the innermost map value or list item that contains `offset`. */
function pathAtOffset(doc: Document, offset: number): (string | number)[] {
  const result: (string | number)[] = [];
  let node: unknown = doc.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && contains(item.key, item.value, offset));
      // An error on a key itself (a duplicate, or text the parser could not place) belongs to the mapping.
      if (!pair || !isScalar(pair.key) || contains(pair.key, pair.key, offset)) return result;
      result.push(String(pair.key.value));
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => contains(item, item, offset));
      if (index < 0) return result;
      result.push(index);
      node = node.items[index];
    } else {
      return result;
    }
  }
}

function contains(start: unknown, end: unknown, offset: number): boolean {
  const from = isNode(start) && start.range ? start.range[0] : undefined;
  const to = isNode(end) && end.range ? end.range[2] : isNode(start) && start.range ? start.range[2] : undefined;
  return from !== undefined && to !== undefined && from <= offset && offset <= to;
}

function oneLine(text: string): string {
  return text.split('\n')[0].replace(/:$/, '');
}
