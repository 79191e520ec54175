/** Field paths (`scan.tools[0].failOn`) and plain-data helpers shared by loading, merging and errors. */
import * as path from 'node:path';
import { parseKeyReference } from './key-reference';
import { parseSecretSource } from './secret-source';

export type FieldPath = readonly (string | number)[];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `scan.tools[0].failOn`; keys that are not identifiers are quoted: `registries["localhost:5000"].insecure`. */
export function formatPath(fieldPath: FieldPath): string {
  let text = '';
  for (const segment of fieldPath) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function getAt(data: unknown, fieldPath: FieldPath): unknown {
  let current = data;
  for (const segment of fieldPath) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isPlainObject(current) && typeof segment === 'string') current = current[segment];
    else return undefined;
  }
  return current;
}

export function deleteAt(data: Record<string, unknown>, fieldPath: FieldPath): void {
  const parent = getAt(data, fieldPath.slice(0, -1));
  const last = fieldPath[fieldPath.length - 1];
  if (isPlainObject(parent) && typeof last === 'string') delete parent[last];
}

/** Every leaf (scalar, or empty list) of plain data, with its path; lists are walked element by element. */
export function* leaves(value: unknown, at: FieldPath = []): Generator<[FieldPath, unknown]> {
  if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) if (child !== undefined) yield* leaves(child, [...at, key]);
  } else if (Array.isArray(value)) {
    if (value.length === 0) yield [at, value];
    for (const [index, child] of value.entries()) yield* leaves(child, [...at, index]);
  } else if (value !== undefined) {
    yield [at, value];
  }
}

/** Copies plain data without `undefined` members (unset CLI flags and Nx options mean "not set"). */
export function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, child]) => child !== undefined)
      .map(([key, child]) => [key, withoutUndefined(child)]),
  );
}

type PathKind = 'file' | 'key' | 'secret';

/** Fields that name files; `*` is any registry host. */
const PATH_FIELDS: { at: readonly string[]; kind: PathKind }[] = [
  { at: ['signing', 'key'], kind: 'key' },
  { at: ['signing', 'password'], kind: 'secret' },
  { at: ['signing', 'trustedRoot'], kind: 'file' },
  { at: ['signing', 'verify', 'key'], kind: 'key' },
  { at: ['scan', 'defectdojo', 'apiKey'], kind: 'secret' },
  { at: ['registries', '*', 'caFile'], kind: 'file' },
  { at: ['registries', '*', 'password'], kind: 'secret' },
];

/**
 * Makes relative file paths absolute against `baseDir` — for a file, its own directory — so
 * `key: cosign.key` in a project's security.yaml means the key next to it, whatever the cwd.
 * Expects validated data; returns a copy.
 */
export function resolveRelativePaths(data: Record<string, unknown>, baseDir: string): Record<string, unknown> {
  const copy = structuredClone(data);
  for (const field of PATH_FIELDS) {
    for (const fieldPath of expand(copy, field.at)) {
      const parent = getAt(copy, fieldPath.slice(0, -1));
      const key = fieldPath[fieldPath.length - 1];
      if (!isPlainObject(parent) || typeof key !== 'string' || typeof parent[key] !== 'string') continue;
      parent[key] = absolutize(parent[key], field.kind, baseDir);
    }
  }
  return copy;
}

function* expand(data: unknown, pattern: readonly string[], at: string[] = []): Generator<string[]> {
  if (pattern.length === 0) {
    yield at;
    return;
  }
  const [head, ...rest] = pattern;
  if (head !== '*') {
    yield* expand(getAt(data, [head]), rest, [...at, head]);
  } else if (isPlainObject(data)) {
    for (const key of Object.keys(data)) yield* expand(data[key], rest, [...at, key]);
  }
}

function absolutize(value: string, kind: PathKind, baseDir: string): string {
  if (kind === 'file') return path.resolve(baseDir, value);
  if (kind === 'key') {
    const reference = parseKeyReference(value);
    return reference?.kind === 'file' ? path.resolve(baseDir, reference.path) : value;
  }
  const source = parseSecretSource(value);
  return source?.kind === 'file' ? `file://${path.resolve(baseDir, source.path)}` : value;
}
