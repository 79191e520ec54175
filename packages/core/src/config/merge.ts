/**
 * Inheritance: layers merged in order, later wins. Mappings are deep-merged; lists and scalars are
 * replaced whole (a project's `tools:` list is its list, not an addition to the workspace's).
 * Alongside the data it keeps where each leaf came from, for `config show` and for error positions.
 */
import { deleteAt, formatPath, getAt, isPlainObject, leaves, type FieldPath } from './paths';
import type { Position } from './yaml-source';

export interface ConfigLayer {
  /** For a file: its absolute path; otherwise a label such as `nx options` or `cli`. */
  source: string;
  /** Validated block data (relative paths already resolved). */
  data: Record<string, unknown>;
  /** Positions, for file layers. */
  locate?: (fieldPath: FieldPath) => Position;
}

export interface SourceRef {
  /** `default`, `/abs/security.yaml:12:5`, `nx options`, `cli`. */
  label: string;
  file?: string;
  line?: number;
  column?: number;
}

export interface MergeResult {
  data: Record<string, unknown>;
  /** Leaf path (`scan.tools[0].name`) → where it was set. Leaves absent here are defaults. */
  sources: Map<string, SourceRef>;
}

/**
 * Settings that are alternatives: when a later layer sets one, the earlier layers' other one is
 * dropped, so a project can switch from the workspace's keyless signing to a key (or from an exact
 * identity to a pattern) without having to unset anything. Within one file both is an error (schema).
 */
const ALTERNATIVES: { set: FieldPath; when?: (value: unknown) => boolean; clears: FieldPath[] }[] = [
  { set: ['signing', 'keyless'], when: (v) => v === true, clears: [['signing', 'key']] },
  { set: ['signing', 'key'], clears: [['signing', 'keyless']] },
  { set: ['signing', 'verify', 'identity'], clears: [['signing', 'verify', 'identityRegexp'], ['signing', 'verify', 'key']] },
  { set: ['signing', 'verify', 'identityRegexp'], clears: [['signing', 'verify', 'identity'], ['signing', 'verify', 'key']] },
  { set: ['signing', 'verify', 'oidcIssuer'], clears: [['signing', 'verify', 'oidcIssuerRegexp'], ['signing', 'verify', 'key']] },
  { set: ['signing', 'verify', 'oidcIssuerRegexp'], clears: [['signing', 'verify', 'oidcIssuer'], ['signing', 'verify', 'key']] },
  {
    set: ['signing', 'verify', 'key'],
    clears: ['identity', 'identityRegexp', 'oidcIssuer', 'oidcIssuerRegexp'].map((f) => ['signing', 'verify', f]),
  },
];

export function mergeLayers(layers: readonly ConfigLayer[]): MergeResult {
  const data: Record<string, unknown> = {};
  const sources = new Map<string, SourceRef>();
  for (const layer of layers) {
    for (const rule of ALTERNATIVES) {
      const value = getAt(layer.data, rule.set);
      if (value === undefined || (rule.when && !rule.when(value))) continue;
      for (const cleared of rule.clears) {
        deleteAt(data, cleared);
        forget(sources, cleared);
      }
    }
    mergeInto(data, layer.data, [], layer, sources);
  }
  return { data, sources };
}

function mergeInto(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
  at: FieldPath,
  layer: ConfigLayer,
  sources: Map<string, SourceRef>,
): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const fieldPath = [...at, key];
    const existing = target[key];
    if (isPlainObject(value) && isPlainObject(existing)) {
      mergeInto(existing, value, fieldPath, layer, sources);
      continue;
    }
    forget(sources, fieldPath);
    target[key] = structuredClone(value);
    for (const [leafPath] of leaves(value, fieldPath)) sources.set(formatPath(leafPath), sourceOf(layer, leafPath));
  }
}

function sourceOf(layer: ConfigLayer, fieldPath: FieldPath): SourceRef {
  if (!layer.locate) return { label: layer.source };
  const { line, column } = layer.locate(fieldPath);
  return { label: `${layer.source}:${line}:${column}`, file: layer.source, line, column };
}

/** Drops the sources of a path and everything below it. */
function forget(sources: Map<string, SourceRef>, fieldPath: FieldPath): void {
  const prefix = formatPath(fieldPath);
  for (const key of [...sources.keys()]) {
    if (isSameOrBelow(key, prefix)) sources.delete(key);
  }
}

export function isSameOrBelow(key: string, prefix: string): boolean {
  return key === prefix || key.startsWith(`${prefix}.`) || key.startsWith(`${prefix}[`);
}
