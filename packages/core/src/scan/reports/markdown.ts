/**
 * The Markdown summary (GitHub's job summary, `$GITHUB_STEP_SUMMARY`, and merge-request notes): the
 * same counts as every other format, the scanners and their databases, the verdict, and the findings
 * in a collapsed table. Cell text is escaped: package names and ids come from the scanned image.
 */
import { appendFile } from 'node:fs/promises';
import type { Finding, ScanReport } from '../model';
import { SEVERITIES_DESCENDING, severityLabel } from '../severity';
import { describeFix, describeTarget, describeToolRun, describeVerdict } from './text';

export interface MarkdownOptions {
  /** How many findings the table lists (default 100; GitHub caps a summary at 1 MiB). */
  top?: number;
}

export function renderMarkdown(report: ScanReport, options: MarkdownOptions = {}): string {
  const lines = [`## Vulnerability scan: ${inline(describeTarget(report.target))}`, ''];
  lines.push(`**Result: ${describeVerdict(report)}**`, '');
  for (const failure of report.policy.failures) lines.push(`- ❌ ${cell(failure.split('\n')[0]!)}`);
  for (const warning of report.policy.warnings) lines.push(`- ⚠️ ${cell(warning.split('\n')[0]!)}`);
  if (report.policy.failures.length || report.policy.warnings.length) lines.push('');
  lines.push('Scanners:', ...report.tools.map((t) => `- ${cell(describeToolRun(t))}`), '');
  if (!report.summary.scanned) {
    lines.push('No scanner produced a result: the target was **not scanned**; no finding is known, none is ruled out.');
    return `${lines.join('\n')}\n`;
  }
  const { counts, total, ignored } = report.summary;
  lines.push('| Severity | Count |', '| --- | ---: |');
  for (const severity of SEVERITIES_DESCENDING) lines.push(`| ${severityLabel(severity)} | ${counts[severity]} |`);
  lines.push(`| **Total** | **${total}** |`);
  if (ignored) lines.push(`| Ignored (allow-listed) | ${ignored} |`);
  lines.push('');
  const listed = report.findings.filter((f) => !f.ignored).slice(0, options.top ?? 100);
  if (listed.length) {
    lines.push(`<details><summary>Findings (${total}${listed.length < total ? `, top ${listed.length} shown` : ''})</summary>`, '');
    lines.push('| Severity | Vulnerability | Package | Version | Fixed in | Found by |', '| --- | --- | --- | --- | --- | --- |');
    for (const finding of listed) lines.push(row(finding));
    lines.push('', '</details>', '');
  }
  return `${lines.join('\n')}\n`;
}

function row(finding: Finding): string {
  const url = finding.urls[0];
  const id = url && /^https?:\/\//.test(url) ? `[${cell(finding.id)}](${url.replace(/[()\s]/g, encodeURIComponent)})` : cell(finding.id);
  return `| ${severityLabel(finding.severity)} | ${id} | ${cell(finding.package.name)} | ${cell(finding.package.version)} | ${cell(describeFix(finding))} | ${finding.tools.join(', ')} |`;
}

/** Table-cell text: no pipes, no line breaks, no HTML. */
function cell(text: string): string {
  return inline(text).replace(/\|/g, '\\|');
}

function inline(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'));
}

/** Appends to GitHub's job summary when it is set (GITHUB_STEP_SUMMARY names a file); returns whether it did. */
export async function appendStepSummary(markdown: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  await appendFile(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  return true;
}
