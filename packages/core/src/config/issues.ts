/**
 * Turns zod's issues into messages a user can act on: the field, what was expected, what was found
 * (never the value of a secret field), and for a typo the nearest valid key or value.
 */
import type { z } from 'zod';
import type { ConfigError } from './errors';
import { formatPath, getAt, isPlainObject, type FieldPath } from './paths';
import { securityConfigSchema } from './schema';
import { suggest } from './suggest';
import type { Position } from './yaml-source';

type Issue = z.core.$ZodIssue;

export interface IssueSource {
  /** Absolute file path or a label (`nx options`, `cli`). */
  file: string;
  /** The raw data that was validated, to describe what was found. */
  data: unknown;
  /** Positions, for files. */
  locate?: (fieldPath: FieldPath, at?: 'key' | 'value') => Position;
  /** True when a file has no `security:` key, so its top-level keys are the block's. */
  bare?: boolean;
}

/** Fields whose values must never be echoed in an error: they may hold a pasted secret. */
const SECRET_FIELDS = new Set(['password', 'apiKey']);

export function describeIssues(issues: readonly Issue[], source: IssueSource): ConfigError[] {
  return issues.flatMap((issue) => describeIssue(issue, source));
}

function describeIssue(issue: Issue, source: IssueSource): ConfigError[] {
  const at = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  const error = (fieldPath: FieldPath, message: string, where: 'key' | 'value' = 'value'): ConfigError => ({
    file: source.file,
    ...source.locate?.(fieldPath, where),
    path: formatPath(fieldPath),
    message,
  });
  const found = () => describeValue(getAt(source.data, at), at);

  switch (issue.code) {
    case 'unrecognized_keys': {
      const valid = knownKeys(at);
      return issue.keys.map((key) => error([...at, key], unknownKeyMessage(key, valid, at.length === 0 && source.bare === true), 'key'));
    }
    case 'invalid_type': {
      const value = getAt(source.data, at);
      const expected = describeExpected(issue.expected);
      if (value === undefined) return [error(at, `missing required key \`${String(at[at.length - 1])}\` (${expected})`)];
      return [error(at, `expected ${expected}, found ${found()}`)];
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => `\`${String(v)}\``).join(', ');
      const value = getAt(source.data, at);
      const near = typeof value === 'string' ? suggest(value, issue.values.map(String)) : undefined;
      return [error(at, `expected one of ${options}, found ${found()}${near ? `; did you mean \`${near}\`?` : ''}`)];
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const relation =
        issue.code === 'too_small' ? (issue.inclusive ? 'at least' : 'greater than') : issue.inclusive ? 'at most' : 'less than';
      return [error(at, `expected a number ${relation} ${String(bound)}, found ${found()}`)];
    }
    case 'invalid_key': {
      const key = String(at[at.length - 1]);
      const inner = issue.issues[0];
      const expected = inner?.code === 'custom' ? expectedParam(inner) : undefined;
      return [error(at, `invalid key \`${key}\`${expected ? `: expected ${expected}` : ''}`, 'key')];
    }
    case 'custom': {
      const expected = expectedParam(issue);
      return [error(at, expected ? `expected ${expected}, found ${found()}` : issue.message)];
    }
    default:
      return [error(at, `${issue.message}, found ${found()}`)];
  }
}

function expectedParam(issue: Issue): string | undefined {
  const params = (issue as { params?: unknown }).params;
  return isPlainObject(params) && typeof params.expected === 'string' ? params.expected : undefined;
}

function unknownKeyMessage(key: string, valid: string[], bareTopLevel: boolean): string {
  const near = suggest(key, valid);
  if (near) return `unknown key \`${key}\`; did you mean \`${near}\`?`;
  const list = valid.length ? `; valid keys here: ${valid.join(', ')}` : '';
  const wrapper = bareTopLevel ? ' (a file with other top-level keys keeps the settings under `security:`)' : '';
  return `unknown key \`${key}\`${list}${wrapper}`;
}

function describeExpected(expected: string): string {
  switch (expected) {
    case 'boolean':
      return 'true or false';
    case 'object':
    case 'record':
      return 'a mapping (key: value lines)';
    case 'array':
      return 'a list';
    case 'int':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    default:
      return expected;
  }
}

/** What the user wrote, for "found …"; secret fields say only what kind of value it is. */
export function describeValue(value: unknown, fieldPath: FieldPath): string {
  const secret = fieldPath.some((s) => typeof s === 'string' && SECRET_FIELDS.has(s));
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a mapping';
  if (secret) return `a ${typeof value} (not shown: it may be a secret)`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)}`;
  if (value instanceof Date) return `the date ${value.toISOString().slice(0, 10)} (quote it to make it a string)`;
  return `the ${typeof value} ${String(value)}`;
}

/** The keys the schema allows at `fieldPath`, for "did you mean". */
function knownKeys(fieldPath: FieldPath): string[] {
  let schema: z.core.$ZodType | undefined = securityConfigSchema;
  for (const segment of fieldPath) {
    schema = unwrap(schema);
    const def = definition(schema);
    if (def.type === 'object' && typeof segment === 'string') schema = def.shape?.[segment];
    else if (def.type === 'array') schema = def.element;
    else if (def.type === 'record') schema = def.valueType;
    else return [];
  }
  const def = definition(unwrap(schema));
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

interface SchemaDefinition {
  type?: string;
  innerType?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  out?: z.core.$ZodType;
}

function definition(schema: z.core.$ZodType | undefined): SchemaDefinition {
  return (schema?._zod.def ?? {}) as SchemaDefinition;
}

/** Looks through optional/default/prefault/pipe wrappers to the schema that has the shape. */
function unwrap(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let current = schema;
  for (let depth = 0; current && depth < 10; depth++) {
    const def = definition(current);
    if (def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.out) current = def.out;
    else break;
  }
  return current;
}
