/**
 * One severity scale for every scanner. grype writes Title case (`High`, `Negligible`), trivy UPPERCASE
 * (`HIGH`), CycloneDX lower case (`high`, `info`, `none`). The order is grype's: Unknown ranks lowest
 * (a finding nobody rated cannot meet a `failOn` threshold, as in grype's own `--fail-on`), then
 * Negligible below Low.
 */
import type { Severity as PolicySeverity } from '../config/schema';

export const SEVERITY_ORDER = ['unknown', 'negligible', 'low', 'medium', 'high', 'critical'] as const;
export type FindingSeverity = (typeof SEVERITY_ORDER)[number];

/** Highest first: the order reports list them in. */
export const SEVERITIES_DESCENDING: readonly FindingSeverity[] = [...SEVERITY_ORDER].reverse();

/** A `failOn` threshold: any severity but unknown (config schema `SEVERITIES`). */
export type FailOnSeverity = PolicySeverity;

const ALIASES: Readonly<Record<string, FindingSeverity>> = {
  critical: 'critical',
  high: 'high',
  important: 'high', // Red Hat's word for high
  medium: 'medium',
  moderate: 'medium', // GitHub advisories, Red Hat
  low: 'low',
  negligible: 'negligible',
  info: 'negligible', // CycloneDX, DefectDojo
  informational: 'negligible',
  none: 'negligible', // CycloneDX, CVSS 0.0
  unknown: 'unknown',
};

/** Any tool's severity word → the scale; missing, empty or unrecognised → unknown. */
export function normalizeSeverity(value: unknown): FindingSeverity {
  if (typeof value !== 'string') return 'unknown';
  return ALIASES[value.trim().toLowerCase()] ?? 'unknown';
}

export function severityRank(severity: FindingSeverity): number {
  return SEVERITY_ORDER.indexOf(severity);
}

/** Negative when `a` is less severe than `b`. */
export function compareSeverity(a: FindingSeverity, b: FindingSeverity): number {
  return severityRank(a) - severityRank(b);
}

export function maxSeverity(severities: Iterable<FindingSeverity>): FindingSeverity {
  let max: FindingSeverity = 'unknown';
  for (const severity of severities) if (compareSeverity(severity, max) > 0) max = severity;
  return max;
}

/** Whether a finding of `severity` fails a `failOn` threshold: at or above it. */
export function meetsThreshold(severity: FindingSeverity, threshold: FailOnSeverity): boolean {
  return compareSeverity(severity, threshold) >= 0;
}

/** `critical` → `Critical`, for people (reports, tables). */
export function severityLabel(severity: FindingSeverity): string {
  return severity.charAt(0).toUpperCase() + severity.slice(1);
}

export type SeverityCounts = Record<FindingSeverity, number>;

export function emptyCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, negligible: 0, unknown: 0 };
}

export function countBySeverity(items: Iterable<{ severity: FindingSeverity }>): SeverityCounts {
  const counts = emptyCounts();
  for (const item of items) counts[item.severity]++;
  return counts;
}

export function totalCount(counts: SeverityCounts): number {
  return SEVERITY_ORDER.reduce((sum, severity) => sum + counts[severity], 0);
}

/** `1 critical, 3 high` — only the non-zero ones, highest first; `none` when all are zero. */
export function describeCounts(counts: SeverityCounts): string {
  const parts = SEVERITIES_DESCENDING.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length ? parts.join(', ') : 'none';
}
