/**
 * Reading a tool's version and checking it against the range we test with. Outside the range is a
 * warning, not an error: a newer trivy most likely works, and the user decides.
 */
import type { Logger } from './logger';
import { findTool, type FindOptions, type FoundTool } from './find';
import type { ToolName } from './tools';
import { parseSemver, satisfies } from './semver';
import { loadExeca } from './esm';

export interface ToolVersion {
  /** The version as the tool printed it, without a leading `v`; undefined when it could not be read. */
  version?: string;
  /** undefined when the version is unknown. */
  inTestedRange?: boolean;
  testedRange: string;
}

export interface ToolVersionOptions {
  logger: Logger;
  /** For the version command only; it should answer in well under a second. */
  timeoutMs?: number;
}

// Per executable path, for the life of the process: a release runs several steps with the same tool.
const cache = new Map<string, Promise<ToolVersion>>();

/** The tool's version, read once per path; warns (once) when it is unknown or outside the tested range. */
export function toolVersion(tool: FoundTool, options: ToolVersionOptions): Promise<ToolVersion> {
  let pending = cache.get(tool.path);
  if (!pending) {
    pending = readVersion(tool, options);
    cache.set(tool.path, pending);
  }
  return pending;
}

/** Forgets cached versions (a test that swaps an executable under the same path). */
export function clearToolVersionCache(): void {
  cache.clear();
}

async function readVersion(tool: FoundTool, options: ToolVersionOptions): Promise<ToolVersion> {
  const { execa } = await loadExeca();
  const { testedRange } = tool.spec;
  const log = options.logger.child(tool.name);
  for (const command of tool.spec.versionCommands) {
    const result = await execa(tool.path, [...command.args], {
      reject: false,
      stdin: 'ignore',
      timeout: options.timeoutMs ?? 30_000,
    });
    const output = `${typeof result.stdout === 'string' ? result.stdout : ''}\n${typeof result.stderr === 'string' ? result.stderr : ''}`;
    const version = result.exitCode === 0 ? command.parse(output) : undefined;
    if (!version) continue;
    const parsed = parseSemver(version);
    const inTestedRange = parsed ? satisfies(parsed, testedRange) : undefined;
    log.debug(`${tool.path} is version ${version}`);
    if (inTestedRange === false) {
      options.logger.warn(
        `${tool.name} ${version} is outside the tested range (${testedRange}); it may work, but if it fails, use a version in that range`,
      );
    }
    return { version, inTestedRange, testedRange };
  }
  const tried = tool.spec.versionCommands.map((c) => `\`${tool.name} ${c.args.join(' ')}\``).join(' or ');
  options.logger.warn(`could not read the version of ${tool.name} (${tool.path}) from ${tried}; continuing without a version check`);
  return { testedRange };
}

/** Finds a tool and checks its version: what a step does before its first run of the tool. */
export async function findCheckedTool(
  name: ToolName,
  options: FindOptions & ToolVersionOptions,
): Promise<FoundTool & { version: ToolVersion }> {
  const tool = await findTool(name, options);
  return { ...tool, version: await toolVersion(tool, options) };
}
