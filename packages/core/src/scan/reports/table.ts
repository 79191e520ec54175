/**
 * The terminal summary: which scanners ran (with their databases), counts by severity, the top
 * findings, and the verdict. When no scanner produced a result there are no counts to show, and the
 * summary says the target was not scanned instead of printing zeros.
 */
import type { Finding, ScanReport } from '../model';
import { SEVERITIES_DESCENDING, severityLabel } from '../severity';
import { describeFix, describeTarget, describeToolRun, describeVerdict } from './text';

export interface TableOptions {
  /** How many findings to list (default 20). */
  top?: number;
}

const MAX_CELL = 48;

export function renderTable(report: ScanReport, options: TableOptions = {}): string {
  const lines = [`Vulnerability scan of ${describeTarget(report.target)}`];
  for (const tool of report.tools) lines.push(`  ${describeToolRun(tool)}`);
  lines.push('');
  if (!report.summary.scanned) {
    lines.push('  No results: no scanner produced a result, so the target was NOT scanned; no finding is known, none is ruled out.');
  } else {
    const { counts, total, ignored } = report.summary;
    lines.push(...columns([
      [...SEVERITIES_DESCENDING.map((s) => s.toUpperCase()), 'TOTAL', 'IGNORED'],
      [...SEVERITIES_DESCENDING.map((s) => String(counts[s])), String(total), String(ignored)],
    ], 'right').map((l) => `  ${l}`));
    const shown = report.findings.filter((f) => !f.ignored).slice(0, options.top ?? 20);
    if (shown.length) {
      lines.push('');
      lines.push(...columns([['SEVERITY', 'ID', 'PACKAGE', 'VERSION', 'FIXED IN', 'TOOLS'], ...shown.map(row)], 'left').map((l) => `  ${l}`));
      const more = total - shown.length;
      if (more > 0) lines.push(`  … and ${more} more (the JSON report lists them all)`);
    }
  }
  lines.push('', `Policy: ${describeVerdict(report)}`);
  for (const failure of report.policy.failures) lines.push(`  - ${failure.split('\n')[0]}`);
  return lines.join('\n');
}

function row(finding: Finding): string[] {
  return [severityLabel(finding.severity), finding.id, finding.package.name, finding.package.version, describeFix(finding), finding.tools.join(',')];
}

function columns(rows: string[][], align: 'left' | 'right'): string[] {
  const cells = rows.map((r) => r.map((c) => (c.length > MAX_CELL ? `${c.slice(0, MAX_CELL - 1)}…` : c)));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) =>
    r
      .map((c, i) => (align === 'right' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}
