/**
 * The scan step, the same for the CLI and the Nx executor: which scanners run with which policy
 * (from `scan.tools`, overridable per call), running them one after the other over one source, the
 * merged report, and reading a report made elsewhere (`scan report`). Publishing (attestation,
 * DefectDojo) is in ./publish.ts.
 */
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { isScanToolRequired } from '../config/required';
import type { IgnoreRule, ScanToolName, SecurityConfig } from '../config/schema';
import { ShipshapeError } from '../errors';
import type { Logger } from '../exec/logger';
import { runScanner, type ScannerRun } from './backends/run';
import type { InvocationOptions, ScanSource } from './backends/invocation';
import type { ScanReport, ScanTarget, ToolRunSummary } from './model';
import { parseToolReport } from './parse';
import { buildReport } from './report';
import type { FailOnSeverity } from './severity';

export interface ScanToolPlan {
  name: ScanToolName;
  required: boolean;
  failOn?: FailOnSeverity;
  timeoutMs?: number;
}

export interface ToolOverrides {
  /** Run these instead of `scan.tools` (each keeps its configured settings, if any). */
  tools?: readonly ScanToolName[];
  /** The failOn of every tool that runs. */
  failOn?: FailOnSeverity;
}

export function planScanTools(config: SecurityConfig, overrides: ToolOverrides = {}): ScanToolPlan[] {
  const entries = overrides.tools?.length
    ? overrides.tools.map((name) => config.scan.tools.find((t) => t.name === name) ?? { name })
    : config.scan.tools;
  if (entries.length === 0) {
    throw new ShipshapeError('usage', 'no scanner is configured', { hint: 'pass --tool grype or --tool trivy, or list scan.tools in security.yaml' });
  }
  return entries.map((entry) => {
    const failOn = overrides.failOn ?? ('failOn' in entry ? entry.failOn : undefined);
    const timeoutSeconds = 'timeoutSeconds' in entry ? entry.timeoutSeconds : undefined;
    return {
      name: entry.name,
      required: isScanToolRequired(config, entry),
      ...(failOn ? { failOn } : {}),
      ...(timeoutSeconds ? { timeoutMs: timeoutSeconds * 1000 } : {}),
    };
  });
}

export interface RunScanRequest extends InvocationOptions {
  target: ScanTarget;
  source: ScanSource;
  tools: readonly ScanToolPlan[];
  ignore: readonly IgnoreRule[];
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  /** "Today" for ignore-rule expiry (tests); default: when the scan finished. */
  now?: Date;
}

export interface ScanOutcome {
  report: ScanReport;
  /** Each scanner's run, with its raw report when it produced one. */
  runs: ScannerRun[];
}

/** Runs every planned scanner over the source (one at a time: scanners are memory-hungry) and builds the report. */
export async function runScan(request: RunScanRequest): Promise<ScanOutcome> {
  const startedAt = new Date();
  const runs: ScannerRun[] = [];
  for (const plan of request.tools) {
    runs.push(
      await runScanner(plan.name, request.source, {
        logger: request.logger,
        required: plan.required,
        failOn: plan.failOn,
        timeoutMs: plan.timeoutMs,
        env: request.env,
        cwd: request.cwd,
        signal: request.signal,
        platform: request.platform,
        trivyCacheDir: request.trivyCacheDir,
      }),
    );
  }
  const report = buildReport({
    target: request.target,
    startedAt,
    finishedAt: new Date(),
    tools: runs.map((r) => r.summary),
    views: runs.flatMap((r) => r.report?.views ?? []),
    ignore: request.ignore,
    now: request.now,
  });
  return { report, runs };
}

export interface ReportFileRequest {
  tool: ScanToolName;
  file: string;
  failOn?: FailOnSeverity;
  ignore: readonly IgnoreRule[];
  cwd?: string;
  now?: Date;
}

const MAX_REPORT_BYTES = 512 * 1024 * 1024;

/** `scan report`: a grype or trivy report made elsewhere (an earlier CI step), through the same model and policy. */
export async function reportFromFile(request: ReportFileRequest): Promise<ScanOutcome> {
  const file = path.resolve(request.cwd ?? process.cwd(), request.file);
  const startedAt = new Date();
  const text = await readReportFile(file);
  const parsed = parseToolReport(request.tool, text, file);
  const warnings: string[] = [];
  if (!parsed.database) warnings.push(`the ${request.tool} report does not say which vulnerability database it was made with`);
  const summary: ToolRunSummary = {
    tool: request.tool,
    status: 'ok',
    required: false,
    ...(request.failOn ? { failOn: request.failOn } : {}),
    ...(parsed.toolVersion ? { version: parsed.toolVersion } : {}),
    ...(parsed.database ? { database: parsed.database } : {}),
    reportFormat: parsed.format,
  };
  const report = buildReport({
    target: { kind: 'report', file, ...(parsed.artifact ? { artifact: parsed.artifact } : {}) },
    startedAt,
    finishedAt: new Date(),
    tools: [summary],
    views: parsed.views,
    ignore: request.ignore,
    warnings,
    now: request.now,
  });
  return { report, runs: [{ summary, report: parsed, rawReport: text }] };
}

async function readReportFile(file: string): Promise<string> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new ShipshapeError('input', `${file} is not a file`);
    if (info.size > MAX_REPORT_BYTES) throw new ShipshapeError('input', `${file} is ${info.size} bytes; a scan report is at most ${MAX_REPORT_BYTES} bytes`);
    return await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof ShipshapeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ShipshapeError('input', `cannot read the report ${file}: ${code === 'ENOENT' ? 'it does not exist' : (code ?? 'unreadable')}`);
  }
}

/** The config's failOn for one tool, if it lists the tool. */
export function configuredFailOn(config: SecurityConfig, tool: ScanToolName): FailOnSeverity | undefined {
  return config.scan.tools.find((t) => t.name === tool)?.failOn;
}
