/**
 * Generating an SBOM with syft or trivy (`sbom.tool`): find the tool (PATH or SHIPSHAPE_<TOOL>_PATH),
 * check its version, run it through the tool runner (timeout, redaction, retries of network failures),
 * and make sure what it wrote is the document asked for. The document is returned as the tool wrote it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { SbomFormat } from '../../config/schema';
import { ShipshapeError } from '../../errors';
import { findCheckedTool } from '../../exec/version';
import type { Logger } from '../../exec/logger';
import { runTool } from '../../exec/run';
import type { ToolImageSource, ToolInvocation } from './source';
import { syftInvocation } from './syft';
import { trivyInvocation, type TrivyOptions } from './trivy';

export type SbomToolName = 'syft' | 'trivy';

export interface ToolSbomOptions {
  logger: Logger;
  platform?: string;
  /** Where PATH and SHIPSHAPE_<TOOL>_PATH are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  trivy?: Pick<TrivyOptions, 'cacheDir' | 'offline'>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ToolSbomResult {
  tool: SbomToolName;
  /** The tool's version, when it could be read. */
  version?: string;
  /** The document exactly as the tool wrote it. */
  document: string;
}

/** Limit for reading the tool's document back: SBOMs of big images run to tens of MiB, never GiB. */
const MAX_DOCUMENT_BYTES = 512 * 1024 * 1024;

export async function generateWithTool(tool: SbomToolName, source: ToolImageSource, format: SbomFormat, options: ToolSbomOptions): Promise<ToolSbomResult> {
  const found = await findCheckedTool(tool, { env: options.env, cwd: options.cwd, logger: options.logger });
  const dir = await mkdtemp(path.join(tmpdir(), `shipshape-${tool}-`));
  try {
    const outputFile = path.join(dir, format === 'spdx-json' ? 'sbom.spdx.json' : 'sbom.cdx.json');
    const invocation = toolInvocation(tool, source, format, outputFile, options);
    await runTool(found, invocation.args, {
      logger: options.logger,
      env: invocation.env,
      secretEnv: invocation.secretEnv,
      stdoutFile: invocation.stdoutToFile ? invocation.outputFile : undefined,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      cwd: options.cwd,
    });
    const document = await readDocument(invocation.outputFile, tool);
    checkDocument(document, format, tool);
    return { tool, version: found.version.version, document };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function toolInvocation(tool: SbomToolName, source: ToolImageSource, format: SbomFormat, outputFile: string, options: Pick<ToolSbomOptions, 'platform' | 'trivy'>): ToolInvocation {
  return tool === 'syft'
    ? syftInvocation(source, format, { outputFile, platform: options.platform })
    : trivyInvocation(source, format, { outputFile, platform: options.platform, ...options.trivy });
}

async function readDocument(file: string, tool: SbomToolName): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    throw new ShipshapeError('tool', `${tool} finished without writing an SBOM`, { hint: `run with --verbose to see ${tool}'s output` });
  }
  if (bytes.length > MAX_DOCUMENT_BYTES) throw new ShipshapeError('tool', `${tool} wrote an SBOM of ${bytes.length} bytes, over the ${MAX_DOCUMENT_BYTES}-byte limit`);
  return bytes.toString('utf8');
}

/** The tool exited 0; make sure it wrote the format asked for (an old release may ignore a flag). */
export function checkDocument(document: string, format: SbomFormat, tool: string): void {
  const kind = sbomDocumentKind(document);
  if (kind === 'not-json') throw new ShipshapeError('tool', `${tool} wrote an SBOM that is not valid JSON`, { hint: `run with --verbose to see ${tool}'s output` });
  if (kind !== format) {
    throw new ShipshapeError('tool', `${tool} did not write a ${FORMAT_NAMES[format]} document`, { hint: `check that ${tool} is a version Shipshape supports` });
  }
}

export const FORMAT_NAMES: Readonly<Record<SbomFormat, string>> = { 'cyclonedx-json': 'CycloneDX JSON', 'spdx-json': 'SPDX JSON' };

/** Which SBOM format a JSON text is (by `bomFormat` / `spdxVersion`), 'other' JSON, or 'not-json'. */
export function sbomDocumentKind(document: string): SbomFormat | 'other' | 'not-json' {
  let json: unknown;
  try {
    json = JSON.parse(document);
  } catch {
    return 'not-json';
  }
  const record = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  if (record.bomFormat === 'CycloneDX') return 'cyclonedx-json';
  if (typeof record.spdxVersion === 'string' && record.spdxVersion.startsWith('SPDX-')) return 'spdx-json';
  return 'other';
}
