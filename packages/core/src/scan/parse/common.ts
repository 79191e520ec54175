/** What every report parser returns, and the pieces they share. */
import type { z } from 'zod';
import type { ScanToolName } from '../../config/schema';
import { ShipshapeError } from '../../errors';
import type { DatabaseInfo, ReportFormat, ToolView } from '../model';

export interface ParsedReport {
  tool: ScanToolName;
  format: ReportFormat;
  /** The scanner's version, as the report states it. */
  toolVersion?: string;
  database?: DatabaseInfo;
  /** What the report says it scanned (image name, SBOM file). */
  artifact?: string;
  views: ToolView[];
}

/** A report that is not what it claims: 'input' (exit 2), naming the file and the first bad field. */
export function reportError(what: string, where: string, error: z.ZodError): ShipshapeError {
  const issue = error.issues[0];
  const path = issue?.path.length ? issue.path.join('.') : '(top level)';
  return new ShipshapeError('input', `not a ${what}: ${path}: ${issue?.message ?? 'invalid'}`, { where });
}

/** Distinct non-empty strings, in first-seen order. */
export function distinct(values: Iterable<string | undefined | null>): string[] {
  const seen = new Set<string>();
  for (const value of values) if (value) seen.add(value);
  return [...seen];
}

/** `CVSS:3.1/AV:N/...` → `3.1`; a vector without a prefix is CVSS 2. */
export function cvssVersionOf(vector: string | undefined, fallback?: string): string | undefined {
  const match = vector ? /^CVSS:(\d\.\d)\//.exec(vector) : null;
  return match?.[1] ?? fallback;
}
