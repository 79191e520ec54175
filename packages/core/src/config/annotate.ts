/**
 * `config show` text output: the effective configuration as YAML, each value followed by a comment
 * naming where it came from. Hand-rendered (values quoted by the yaml package) so the comments line
 * up in one column; the result parses back to the same configuration.
 */
import { stringify } from 'yaml';
import { displayPath } from './errors';
import { formatPath, isPlainObject, type FieldPath } from './paths';

const MAX_COMMENT_COLUMN = 56;

interface Line {
  text: string;
  source?: string;
}

export function renderAnnotatedYaml(config: Record<string, unknown>, sources: Record<string, string>, cwd?: string): string {
  const lines: Line[] = [];
  const sourceOf = (fieldPath: FieldPath) => displaySource(sources[formatPath(fieldPath)] ?? 'default', cwd);
  renderEntries(config, [], 0, false, lines, sourceOf);
  const width = Math.min(MAX_COMMENT_COLUMN, Math.max(...lines.map((l) => (l.source ? l.text.length : 0))) + 2);
  return lines.map((l) => (l.source ? `${l.text.padEnd(width - 1)} # ${l.source}` : l.text)).join('\n');
}

/** `/abs/dir/security.yaml:3:5` → `dir/security.yaml:3:5` when below cwd. */
export function displaySource(label: string, cwd?: string): string {
  const match = /^(.*):(\d+):(\d+)$/.exec(label);
  return match ? `${displayPath(match[1], cwd)}:${match[2]}:${match[3]}` : label;
}

function renderEntries(
  object: Record<string, unknown>,
  at: FieldPath,
  indent: number,
  dashFirst: boolean,
  lines: Line[],
  sourceOf: (fieldPath: FieldPath) => string,
): void {
  Object.entries(object)
    .filter(([, value]) => value !== undefined)
    .forEach(([key, value], index) => {
      const prefix = dashFirst && index === 0 ? `${' '.repeat(indent - 2)}- ` : ' '.repeat(indent);
      const fieldPath = [...at, key];
      const head = `${prefix}${scalar(key)}:`;
      if (isPlainObject(value) && Object.keys(value).length > 0) {
        lines.push({ text: head });
        renderEntries(value, fieldPath, indent + 2, false, lines, sourceOf);
      } else if (Array.isArray(value) && value.length > 0) {
        lines.push({ text: head });
        renderItems(value, fieldPath, indent + 2, lines, sourceOf);
      } else if (isPlainObject(value)) {
        lines.push({ text: `${head} {}` });
      } else {
        lines.push({ text: `${head} ${Array.isArray(value) ? '[]' : scalar(value)}`, source: sourceOf(fieldPath) });
      }
    });
}

function renderItems(items: unknown[], at: FieldPath, indent: number, lines: Line[], sourceOf: (fieldPath: FieldPath) => string): void {
  items.forEach((item, index) => {
    const fieldPath = [...at, index];
    if (isPlainObject(item) && Object.keys(item).length > 0) renderEntries(item, fieldPath, indent + 2, true, lines, sourceOf);
    else lines.push({ text: `${' '.repeat(indent)}- ${isPlainObject(item) ? '{}' : scalar(item)}`, source: sourceOf(fieldPath) });
  });
}

/** A one-line YAML scalar, quoted only when plain text would parse differently. */
function scalar(value: unknown): string {
  const text = stringify(value, { lineWidth: 0 }).trimEnd();
  return text.includes('\n') ? JSON.stringify(value) : text;
}
