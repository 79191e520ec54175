/**
 * Allow-listing (`scan.ignore`): a rule names a vulnerability (its id or any alias), optionally one
 * package, with a reason, and may expire. An ignored finding stays in every report, marked with the
 * reason, but is not counted and cannot fail the policy. A rule past its `expires` day no longer
 * applies, and says so, so a forgotten exception cannot hide a vulnerability for ever.
 */
import type { IgnoreRule } from '../config/schema';
import type { Finding } from './model';
import { parsePurl } from './identity';

export interface IgnoreOutcome {
  findings: Finding[];
  /** Lines for the user: expired rules (and what they would have matched), rules that matched nothing. */
  warnings: string[];
}

export function describeRule(rule: Pick<IgnoreRule, 'id' | 'package'>): string {
  return rule.package ? `${rule.id} in ${rule.package}` : rule.id;
}

/** Whether the rule still applies on `now`'s UTC day: `expires: 2026-06-30` applies through June 30. */
export function isExpired(rule: Pick<IgnoreRule, 'expires'>, now: Date): boolean {
  return rule.expires !== undefined && now.toISOString().slice(0, 10) > rule.expires;
}

export function ruleMatches(rule: Pick<IgnoreRule, 'id' | 'package'>, finding: Finding): boolean {
  const id = rule.id.toUpperCase();
  if (finding.id.toUpperCase() !== id && !finding.aliases.some((alias) => alias.toUpperCase() === id)) return false;
  return rule.package === undefined || packageMatches(rule.package, finding);
}

/** `openssl`, `openssl@3.0.11`, or a purl (its qualifiers optional). */
function packageMatches(wanted: string, finding: Finding): boolean {
  const { name, version, purl } = finding.package;
  if (wanted.startsWith('pkg:')) {
    if (!purl) return false;
    const strip = (p: string) => p.split(/[?#]/)[0]!;
    return purl === wanted || strip(purl) === strip(wanted);
  }
  const at = wanted.lastIndexOf('@');
  const [wantedName, wantedVersion] = at > 0 ? [wanted.slice(0, at), wanted.slice(at + 1)] : [wanted, undefined];
  const names = [name, parsePurl(purl)?.name].filter((n): n is string => Boolean(n)).map((n) => n.toLowerCase());
  return names.includes(wantedName.toLowerCase()) && (wantedVersion === undefined || wantedVersion === version);
}

export function applyIgnoreRules(findings: readonly Finding[], rules: readonly IgnoreRule[], now: Date = new Date()): IgnoreOutcome {
  const warnings: string[] = [];
  const active = rules.filter((rule) => !isExpired(rule, now));
  for (const rule of rules.filter((r) => isExpired(r, now))) {
    const matched = findings.filter((f) => ruleMatches(rule, f)).length;
    const effect = matched ? `; ${matched} finding${matched === 1 ? '' : 's'} it matched ${matched === 1 ? 'is' : 'are'} counted again` : '';
    warnings.push(`ignore rule ${describeRule(rule)} expired on ${rule.expires} and no longer applies (reason was: ${rule.reason})${effect}`);
  }
  const used = new Set<IgnoreRule>();
  const result = findings.map((finding) => {
    const rule = active.find((r) => ruleMatches(r, finding));
    if (!rule) return finding;
    used.add(rule);
    return { ...finding, ignored: { rule: describeRule(rule), reason: rule.reason, ...(rule.expires ? { expires: rule.expires } : {}) } };
  });
  for (const rule of active) {
    if (!used.has(rule)) warnings.push(`ignore rule ${describeRule(rule)} matched no finding; remove it if the vulnerability is gone`);
  }
  return { findings: result, warnings };
}
