/**
 * The scan policy, decided from the findings and never from a scanner's exit code (grype's changed
 * between releases): per tool, `failOn` (the lowest severity that fails the step) over that tool's own
 * severities of the findings not ignored, and `required` (a tool that could not run fails the step,
 * otherwise it warns: fail-open, DESIGN principle 1). When no tool produced a result the report says
 * the image was not scanned — never that it has no vulnerabilities.
 */
import type { Finding, PolicyResult, ToolPolicyResult, ToolRunSummary } from './model';
import { toolSeverity } from './merge';
import { countBySeverity, describeCounts, meetsThreshold, type FindingSeverity } from './severity';

export function evaluatePolicy(findings: readonly Finding[], tools: readonly ToolRunSummary[], extraWarnings: readonly string[] = []): PolicyResult {
  const failures: string[] = [];
  const warnings: string[] = [...extraWarnings];
  const results: ToolPolicyResult[] = [];
  for (const tool of tools) {
    if (tool.status === 'failed') {
      const line = `${tool.tool}${tool.required ? ' (required)' : ''} did not scan: ${tool.failure?.message ?? 'it failed'}`;
      if (tool.required) failures.push(line);
      else warnings.push(`${line} — continuing because ${tool.tool} is not required (fail-open)`);
      results.push({ tool: tool.tool, failOn: tool.failOn, failing: 0, passed: !tool.required });
      continue;
    }
    const severities = toolSeverities(findings, tool.tool);
    const failing = tool.failOn ? severities.filter((s) => meetsThreshold(s, tool.failOn!)) : [];
    if (failing.length > 0) {
      const counts = describeCounts(countBySeverity(failing.map((severity) => ({ severity }))));
      failures.push(`${tool.tool}: ${failing.length} finding${failing.length === 1 ? '' : 's'} at or above ${tool.failOn} (${counts}); failOn is ${tool.failOn}`);
    }
    results.push({ tool: tool.tool, failOn: tool.failOn, failing: failing.length, passed: failing.length === 0 });
  }
  if (tools.length > 0 && tools.every((t) => t.status === 'failed') && failures.length === 0) {
    warnings.push('no scanner produced a result: the target was NOT scanned for vulnerabilities');
  }
  return { passed: failures.length === 0, failures, warnings, tools: results };
}

/** The tool's severity for each finding it reported that is not ignored. */
export function toolSeverities(findings: readonly Finding[], tool: ToolRunSummary['tool']): FindingSeverity[] {
  return findings.flatMap((finding) => {
    if (finding.ignored) return [];
    const severity = toolSeverity(finding, tool);
    return severity ? [severity] : [];
  });
}
