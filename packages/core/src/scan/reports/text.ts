/** Small wording helpers the report formats share, so every format says the same thing the same way. */
import type { DatabaseInfo, Finding, ScanReport, ScanTarget, ToolRunSummary } from '../model';

export function describeTarget(target: ScanTarget): string {
  switch (target.kind) {
    case 'image':
      return target.reference;
    case 'sbom':
      return `SBOM ${target.file}`;
    case 'report':
      return target.artifact ? `${target.artifact} (report ${target.file})` : `report ${target.file}`;
  }
}

export function describeDatabase(database: DatabaseInfo | undefined): string {
  return database ? `database ${database.version}` : 'database not stated';
}

/** `grype 0.74.7 (database v6.0.2 built …)` or `trivy: did not scan — <reason>`. */
export function describeToolRun(tool: ToolRunSummary): string {
  const name = `${tool.tool}${tool.version ? ` ${tool.version}` : ''}`;
  if (tool.status === 'ok') return `${name} (${describeDatabase(tool.database)})`;
  return `${name}: did not scan (${tool.failure?.reason ?? 'failed'}${tool.required ? ', required' : ''}) — ${firstLine(tool.failure?.message ?? '')}`;
}

export function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** `2.0.5-1+deb10u1` / `(won't fix)` / `(no fix)` / `` for unknown. */
export function describeFix(finding: Pick<Finding, 'fix'>): string {
  if (finding.fix.versions.length) return finding.fix.versions.join(', ');
  switch (finding.fix.state) {
    case 'wont-fix':
      return "(won't fix)";
    case 'not-fixed':
      return '(no fix yet)';
    default:
      return '';
  }
}

/** The verdict in one line. */
export function describeVerdict(report: ScanReport): string {
  if (!report.summary.scanned) return report.policy.passed ? 'NOT SCANNED (no scanner produced a result; fail-open)' : 'FAILED (no scanner produced a result)';
  return report.policy.passed ? 'passed' : 'FAILED';
}
