/**
 * Loading the effective configuration: defaults → workspace security.yaml → project security.yaml →
 * overrides (Nx target options) → CLI flags, later wins. Each source is validated on its own (so errors
 * point into the file that has them), then the merge is validated as a whole.
 */
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { ConfigValidationError, type ConfigError } from './errors';
import { checkEffectiveConfig } from './effective';
import { discoverConfigFiles } from './discover';
import { describeIssues } from './issues';
import { isSameOrBelow, mergeLayers, type ConfigLayer, type SourceRef } from './merge';
import { formatPath, isPlainObject, leaves, resolveRelativePaths, withoutUndefined, type FieldPath } from './paths';
import { securityConfigSchema, type SecurityConfig } from './schema';
import { parseConfigText, type ParsedConfigFile } from './yaml-source';

/** A security configuration is a few KB; anything near this is the wrong file (or hostile). */
const MAX_CONFIG_BYTES = 1024 * 1024;

export const DEFAULT_SOURCE = 'default';
export const OVERRIDES_SOURCE = 'nx options';
export const CLI_SOURCE = 'cli';
/** Named by a problem of the merged result that no single source can be blamed for. */
export const EFFECTIVE_SOURCE = 'effective configuration';

export interface LoadConfigOptions {
  /** Base for relative paths; default process.cwd(). */
  cwd?: string;
  /** The project whose configuration to load (relative to cwd); default cwd. */
  projectDir?: string;
  /** Explicit files, in order (the global `--config FILE`): replaces discovery. */
  files?: readonly string[];
  /** Nx target options in the shape of the `security:` block; relative paths are against the workspace root. */
  overrides?: unknown;
  overridesLabel?: string;
  /** CLI flags in the shape of the `security:` block; relative paths are against cwd. */
  cli?: unknown;
}

export interface LoadedConfig {
  config: SecurityConfig;
  /** Every leaf path (`scan.tools[0].failOn`) → `default`, `/abs/security.yaml:12:5`, `nx options` or `cli`. */
  sources: Record<string, string>;
  /** The files that were read, in merge order. */
  files: string[];
  workspaceRoot?: string;
  projectDir: string;
}

export interface ConfigEvaluation {
  files: string[];
  workspaceRoot?: string;
  projectDir: string;
  /** Every problem found; empty when `result` is set. */
  errors: ConfigError[];
  result?: LoadedConfig;
}

export interface ConfigFileResult {
  file: string;
  parsed?: ParsedConfigFile;
  /** Validated block with relative paths made absolute against the file's directory; undefined on errors. */
  data?: Record<string, unknown>;
  errors: ConfigError[];
}

/** The effective configuration, or a ConfigValidationError listing every problem. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const evaluation = await evaluateConfig(options);
  if (!evaluation.result) throw new ConfigValidationError(evaluation.errors, options.cwd ?? process.cwd());
  return evaluation.result;
}

/** Like loadConfig, but returns the problems instead of throwing (for `config validate`). */
export async function evaluateConfig(options: LoadConfigOptions = {}): Promise<ConfigEvaluation> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const projectDir = path.resolve(cwd, options.projectDir ?? '.');
  let files: string[];
  let workspaceRoot: string | undefined;
  const errors: ConfigError[] = [];
  if (options.files) {
    files = options.files.map((f) => path.resolve(cwd, f));
  } else {
    const discovered = await discoverConfigFiles(projectDir);
    ({ files, workspaceRoot } = discovered);
    errors.push(...discovered.errors);
  }

  const layers: ConfigLayer[] = [];
  for (const file of files) {
    const result = await readConfigFile(file);
    errors.push(...result.errors);
    if (result.data && result.parsed) layers.push({ source: file, data: result.data, locate: result.parsed.locate });
  }
  for (const [label, value, baseDir] of [
    [options.overridesLabel ?? OVERRIDES_SOURCE, options.overrides, workspaceRoot ?? cwd],
    [CLI_SOURCE, options.cli, cwd],
  ] as const) {
    if (value === undefined) continue;
    const { data, errors: layerErrors } = validateObjectLayer(value, label);
    errors.push(...layerErrors);
    if (data) layers.push({ source: label, data: resolveRelativePaths(data, baseDir) });
  }
  const base = { files, workspaceRoot, projectDir };
  if (errors.length > 0) return { ...base, errors };

  const merged = mergeLayers(layers);
  const locateMerged = (fieldPath: FieldPath): SourceRef | undefined => findSource(merged.sources, fieldPath);
  const parsed = securityConfigSchema.safeParse(merged.data);
  if (!parsed.success) {
    // Each layer was valid, so this is a rule across fields that came from different sources.
    const mergedErrors = parsed.error.issues.flatMap((issue) => {
      const at = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
      return describeIssues([issue], { file: EFFECTIVE_SOURCE, data: merged.data }).map((e) => placeAt(e, locateMerged(at)));
    });
    return { ...base, errors: mergedErrors };
  }
  const effective = checkEffectiveConfig(parsed.data);
  if (effective.length > 0) {
    return {
      ...base,
      errors: effective.map((issue) =>
        placeAt({ file: EFFECTIVE_SOURCE, path: formatPath(issue.path), message: issue.message }, locateMerged(issue.path)),
      ),
    };
  }
  const sources: Record<string, string> = {};
  for (const [leafPath] of leaves(parsed.data)) {
    const key = formatPath(leafPath);
    sources[key] = merged.sources.get(key)?.label ?? DEFAULT_SOURCE;
  }
  return { ...base, errors: [], result: { ...base, config: parsed.data, sources } };
}

/** Reads, parses and validates one file on its own. */
export async function readConfigFile(file: string): Promise<ConfigFileResult> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    const info = await stat(absolute);
    if (!info.isFile()) return failure(absolute, 'not a file');
    if (info.size > MAX_CONFIG_BYTES) return failure(absolute, `the file is ${info.size} bytes; a security configuration holds at most 1 MiB`);
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return failure(absolute, code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? String(error)})`);
  }
  const parsed = parseConfigText(text, absolute);
  if (parsed.errors.length > 0) return { file: absolute, parsed, errors: parsed.errors };
  const result = securityConfigSchema.safeParse(parsed.data);
  if (!result.success) {
    const errors = describeIssues(result.error.issues, { file: absolute, data: parsed.data, locate: parsed.locate, bare: !parsed.wrapped });
    return { file: absolute, parsed, errors };
  }
  // Merge the data as written (not the parse output, which has every default filled in and would
  // make a project file's silence override the workspace's settings).
  const data = resolveRelativePaths(parsed.data as Record<string, unknown>, path.dirname(absolute));
  return { file: absolute, parsed, data, errors: [] };
}

function validateObjectLayer(value: unknown, label: string): { data?: Record<string, unknown>; errors: ConfigError[] } {
  const data = withoutUndefined(value);
  const result = securityConfigSchema.safeParse(data);
  if (!result.success) return { errors: describeIssues(result.error.issues, { file: label, data }) };
  return { data: isPlainObject(data) ? data : {}, errors: [] };
}

function failure(file: string, message: string): ConfigFileResult {
  return { file, errors: [{ file, path: '', message }] };
}

/** Where a merged field came from: itself, else a value set below it, else the nearest ancestor's. */
function findSource(sources: Map<string, SourceRef>, fieldPath: FieldPath): SourceRef | undefined {
  for (let length = fieldPath.length; length > 0; length--) {
    const prefix = formatPath(fieldPath.slice(0, length));
    const exact = sources.get(prefix);
    if (exact) return exact;
    for (const [key, ref] of sources) if (isSameOrBelow(key, prefix)) return ref;
  }
  return undefined;
}

function placeAt(error: ConfigError, source: SourceRef | undefined): ConfigError {
  if (!source) return error;
  return { ...error, file: source.file ?? source.label, line: source.line, column: source.column };
}
