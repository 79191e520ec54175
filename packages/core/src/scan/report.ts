/**
 * From what the scanners reported to the one result everything else reads (the JSON report, SARIF,
 * Markdown, the table, the attestation, the exit code): views merged into findings, ignore rules
 * applied, per-tool counts, and the policy verdict.
 */
import type { IgnoreRule } from '../config/schema';
import { VERSION } from '../version';
import { applyIgnoreRules } from './ignore';
import { mergeViews } from './merge';
import type { ScanReport, ScanTarget, ToolRunSummary, ToolView } from './model';
import { evaluatePolicy, toolSeverities } from './policy';
import { countBySeverity, totalCount } from './severity';

export interface BuildReportInput {
  target: ScanTarget;
  startedAt: Date;
  finishedAt: Date;
  /** One per tool that was to run, ok or failed. */
  tools: readonly ToolRunSummary[];
  /** Every view of every tool that ran. */
  views: readonly ToolView[];
  ignore: readonly IgnoreRule[];
  /** Extra lines for the policy's warnings (e.g. a report that does not name its database). */
  warnings?: readonly string[];
  /** "Today" for rule expiry; defaults to the scan's finish time. */
  now?: Date;
}

export function buildReport(input: BuildReportInput): ScanReport {
  const merged = mergeViews(input.views);
  const { findings, warnings } = applyIgnoreRules(merged, input.ignore, input.now ?? input.finishedAt);
  const counted = findings.filter((f) => !f.ignored);
  const tools = input.tools.map((tool) =>
    tool.status === 'ok' ? { ...tool, counts: countBySeverity(toolSeverities(findings, tool.tool).map((severity) => ({ severity }))) } : tool,
  );
  const counts = countBySeverity(counted);
  return {
    reportVersion: 1,
    generator: { name: 'shipshape', version: VERSION },
    target: input.target,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    tools,
    summary: {
      counts,
      total: totalCount(counts),
      ignored: findings.length - counted.length,
      fixable: counted.filter((f) => f.fix.state === 'fixed').length,
      scanned: tools.some((t) => t.status === 'ok'),
    },
    findings,
    policy: evaluatePolicy(findings, tools, [...(input.warnings ?? []), ...warnings]),
  };
}
