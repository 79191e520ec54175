/**
 * Running one scanner: find it (PATH or SHIPSHAPE_<TOOL>_PATH), check its version, run it through the
 * tool runner (timeout, redaction, retries of network failures) with its JSON report written to a
 * file, read the report, and record the database it used. Every way of not getting a trustworthy
 * report becomes a failed run with its reason — above all "no vulnerability database", which must
 * never pass for a clean result. Whether a failure fails the step is the policy's decision.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FailOnSeverity } from '../severity';
import type { ScanToolName } from '../../config/schema';
import { isShipshapeError } from '../../errors';
import { ToolError } from '../../exec/classify';
import { findCheckedTool } from '../../exec/version';
import type { FoundTool } from '../../exec/find';
import type { Logger } from '../../exec/logger';
import { runTool } from '../../exec/run';
import type { DatabaseInfo, ToolFailureReason, ToolRunSummary } from '../model';
import { parseToolReport, type ParsedReport } from '../parse';
import { readDatabase } from './database';
import { scannerInvocation, type InvocationOptions, type ScanSource } from './invocation';

export interface RunScannerOptions extends InvocationOptions {
  logger: Logger;
  required: boolean;
  failOn?: FailOnSeverity;
  /** Where PATH and SHIPSHAPE_<TOOL>_PATH are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ScannerRun {
  summary: ToolRunSummary;
  /** The findings, when the tool produced a report. */
  report?: ParsedReport;
  /** The report exactly as the tool wrote it (for DefectDojo and the attestation). */
  rawReport?: string;
  /** The arguments the tool was run with (no secrets: those travel in the environment). */
  args?: string[];
}

/** Reports of big images run to tens of MiB; a GiB is not a report. */
const MAX_REPORT_BYTES = 512 * 1024 * 1024;

export async function runScanner(tool: ScanToolName, source: ScanSource, options: RunScannerOptions): Promise<ScannerRun> {
  const startedAt = new Date();
  const base = { tool, required: options.required, ...(options.failOn ? { failOn: options.failOn } : {}) };
  const failed = (reason: ToolFailureReason, message: string, extra: Partial<ToolRunSummary> = {}): ScannerRun => ({
    summary: { ...base, ...extra, status: 'failed', failure: { reason, message }, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString() },
  });

  let found: FoundTool & { version: { version?: string } };
  try {
    found = await findCheckedTool(tool, { env: options.env, cwd: options.cwd, logger: options.logger });
  } catch (error) {
    if (error instanceof ToolError) return failed('not-installed', error.message);
    throw error;
  }
  const version = found.version.version;
  const invocation = scannerInvocation(tool, source, options);
  const dir = await mkdtemp(path.join(tmpdir(), `shipshape-${tool}-`));
  try {
    const reportFile = path.join(dir, 'report.json');
    options.logger.info(`scanning with ${tool}${version ? ` ${version}` : ''}…`);
    try {
      await runTool(found, invocation.args, {
        logger: options.logger,
        // The environment the caller was given (the CLI's), then the tool's settings over it.
        env: { ...(options.env ? stringEnv(options.env) : {}), ...invocation.env },
        secretEnv: invocation.secretEnv,
        stdoutFile: reportFile,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        cwd: options.cwd,
      });
    } catch (error) {
      if (!(error instanceof ToolError) || error.failure === 'cancelled') throw error;
      if (error.failure === 'timed-out') {
        const during = mentionsMissingDatabase(error.stderrTail) ? ' while fetching its vulnerability database, so nothing was scanned' : '';
        return failed('timed-out', `${error.message.split('\n')[0]}${during}${error.stderrTail.length ? `\n${error.stderrTail.map((l) => `  | ${l}`).join('\n')}` : ''}`, { version });
      }
      if (mentionsMissingDatabase(error.stderrTail)) return failed('no-database', noDatabaseMessage(tool, error.stderrTail), { version });
      // A complete report despite a non-zero exit: a fail-on / exit-code setting in the tool's own
      // configuration. The policy is decided from the findings, so the report stands.
      if (error.failure !== 'exit-status' || (await readReport(reportFile)) === undefined) {
        return failed(error.failure === 'not-installed' ? 'not-installed' : 'failed', error.message, { version });
      }
      options.logger.debug(
        `${tool} exited with status ${error.toolExitCode} after writing a complete report (a fail-on or exit-code setting in its own configuration?); Shipshape decides from the findings`,
      );
    }

    const rawReport = await readReport(reportFile);
    if (rawReport === undefined) return failed('invalid-report', `${tool} exited successfully but wrote no report`, { version });
    let report: ParsedReport;
    try {
      report = parseToolReport(tool, rawReport, `${tool}'s report`);
    } catch (error) {
      if (isShipshapeError(error)) return failed('invalid-report', `${tool} wrote a report Shipshape cannot read: ${error.message}`, { version });
      throw error;
    }

    const database = await scanDatabase(found, report, options);
    if (!database && tool === 'trivy') {
      // trivy cannot scan without its database; a run that claims to have done so is not trusted.
      return failed('no-database', noDatabaseMessage(tool, []), { version });
    }
    if (!database) options.logger.warn(`${tool}'s report does not say which vulnerability database it used`);
    return {
      summary: {
        ...base,
        status: 'ok',
        ...(version ?? report.toolVersion ? { version: version ?? report.toolVersion } : {}),
        ...(database ? { database } : {}),
        reportFormat: report.format,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
      },
      report,
      rawReport,
      args: invocation.args,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function scanDatabase(tool: FoundTool, report: ParsedReport, options: RunScannerOptions): Promise<DatabaseInfo | undefined> {
  if (report.database) return report.database;
  const env = options.env ? stringEnv(options.env) : undefined;
  return readDatabase(tool, { logger: options.logger, env, trivyCacheDir: options.trivyCacheDir, cwd: options.cwd, signal: options.signal });
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

async function readReport(file: string): Promise<string | undefined> {
  try {
    const info = await stat(file);
    if (info.size === 0) return undefined;
    if (info.size > MAX_REPORT_BYTES) return undefined;
    const text = await readFile(file, 'utf8');
    JSON.parse(text);
    return text;
  } catch {
    return undefined;
  }
}

/**
 * What grype and trivy print when they have no usable database (trivy pkg/db/db.go, grype
 * grype/db/v6/installation/curator.go). "Downloading DB" counts only as the last line: the run ended
 * while the database was being fetched (a build without a download client ends there silently).
 */
const NO_DATABASE_PATTERNS: readonly RegExp[] = [
  /cannot skip downloading DB/i,
  /--skip-db-update cannot be specified/i,
  /failed to download vulnerability DB/i,
  /\bDB error\b/i,
  /something wrong with DB/i,
  /version of DB schema doesn't match/i,
  // grype; its progress line "Vulnerability DB [no update available]" must not match.
  /failed to load vulnerability db/i,
  /vulnerability database error/i,
  /unable to (?:update|load|activate|check for)\b[^\n]*vulnerability (?:db|database)/i,
  /vulnerability database was built .* ago/i,
  /database does not exist/i,
  /no vulnerability database/i,
];
const DOWNLOADING_DB = /Downloading (?:vulnerability )?DB/i;

export function mentionsMissingDatabase(stderrTail: readonly string[]): boolean {
  const last = stderrTail.at(-1) ?? '';
  return stderrTail.some((line) => NO_DATABASE_PATTERNS.some((p) => p.test(line))) || DOWNLOADING_DB.test(last);
}

function noDatabaseMessage(tool: ScanToolName, stderrTail: readonly string[]): string {
  const how =
    tool === 'trivy'
      ? 'trivy downloads it on first use (it needs network access to its database registry), or give it a cache that holds one: run `trivy image --download-db-only` where there is network and point TRIVY_CACHE_DIR at that cache'
      : 'grype downloads it on first use (it needs network access to its database), or run `grype db update` where there is network and point GRYPE_DB_CACHE_DIR at that cache';
  const tail = stderrTail.length ? `\n${stderrTail.map((line) => `  | ${line}`).join('\n')}` : '';
  return `${tool} has no vulnerability database, so nothing was scanned: ${how}${tail}`;
}
