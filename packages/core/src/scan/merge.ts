/**
 * Tool views → findings: one finding per (vulnerability, package), whichever tool or tools reported
 * it and however often (grype reports a GitHub advisory and its CVE separately; one report may list a
 * package twice). Every view is kept; the finding takes the highest severity, every fixed version,
 * and the most informative fix state.
 */
import type { Finding, FixState, ToolView } from './model';
import { canonicalVulnerabilityId, findingKey } from './identity';
import { compareSeverity, maxSeverity, severityRank } from './severity';
import { distinct } from './parse/common';

/** A fix is known, then a decision not to fix, then "not fixed yet", then nothing known. */
const FIX_PRECEDENCE: readonly FixState[] = ['fixed', 'wont-fix', 'not-fixed', 'unknown'];

export function mergeViews(views: readonly ToolView[]): Finding[] {
  const groups = new Map<string, { id: string; views: ToolView[] }>();
  for (const view of views) {
    const id = canonicalVulnerabilityId(view.id, view.aliases);
    const key = findingKey(id, view.package);
    const group = groups.get(key);
    if (group) group.views.push(view);
    else groups.set(key, { id, views: [view] });
  }
  return sortFindings([...groups.values()].map(({ id, views: group }) => toFinding(id, group)));
}

function toFinding(id: string, views: ToolView[]): Finding {
  const first = views[0]!;
  const fixState = FIX_PRECEDENCE.find((state) => views.some((v) => v.fix.state === state)) ?? 'unknown';
  const withPurl = views.find((v) => v.package.purl);
  return {
    id,
    aliases: distinct(views.flatMap((v) => [v.id, ...v.aliases])).filter((alias) => alias.toUpperCase() !== id.toUpperCase()),
    severity: maxSeverity(views.map((v) => v.severity)),
    package: {
      name: first.package.name,
      version: first.package.version,
      type: first.package.type,
      ...(withPurl ? { purl: withPurl.package.purl } : {}),
      locations: distinct(views.flatMap((v) => v.package.locations)),
    },
    fix: { state: fixState, versions: distinct(views.flatMap((v) => v.fix.versions)) },
    cvss: dedupeCvss(views.flatMap((v) => v.cvss)),
    title: views.find((v) => v.title)?.title,
    description: views.find((v) => v.description)?.description,
    urls: distinct(views.flatMap((v) => v.urls)),
    tools: distinct(views.map((v) => v.tool)) as Finding['tools'],
    views,
  };
}

function dedupeCvss(scores: Finding['cvss']): Finding['cvss'] {
  const seen = new Set<string>();
  return scores.filter((s) => {
    const key = `${s.source}|${s.version}|${s.vector}|${s.baseScore}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The highest CVSS base score of a finding, or undefined. */
export function highestScore(finding: Pick<Finding, 'cvss'>): number | undefined {
  const scores = finding.cvss.map((c) => c.baseScore).filter((s): s is number => typeof s === 'number');
  return scores.length ? Math.max(...scores) : undefined;
}

/** Most severe first; then highest CVSS; then id and package, so output is stable. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      compareSeverity(b.severity, a.severity) ||
      (highestScore(b) ?? -1) - (highestScore(a) ?? -1) ||
      a.id.localeCompare(b.id) ||
      a.package.name.localeCompare(b.package.name) ||
      a.package.version.localeCompare(b.package.version),
  );
}

/** The severity a tool gave a finding (its highest view), or undefined when the tool did not report it. */
export function toolSeverity(finding: Finding, tool: ToolView['tool']): ToolView['severity'] | undefined {
  const own = finding.views.filter((v) => v.tool === tool);
  if (own.length === 0) return undefined;
  return own.reduce((max, v) => (severityRank(v.severity) > severityRank(max) ? v.severity : max), own[0]!.severity);
}
