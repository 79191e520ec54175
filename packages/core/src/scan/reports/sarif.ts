/**
 * SARIF 2.1.0 (OASIS) for GitHub code scanning: one run whose driver is Shipshape (the merged,
 * policy-checked result) with grype/trivy as extensions; a rule per vulnerability, a result per
 * (vulnerability, package). GitHub reads `rules[].properties["security-severity"]` (a CVSS-like
 * number) to rank alerts, so it is set inside the band of the finding's severity: the highest CVSS
 * score when that agrees, else the band's middle. Ignored findings are reported as suppressed.
 * A scanner that could not run is a tool execution notification, so "not scanned" is visible there too.
 */
import { createHash } from 'node:crypto';
import { VERSION } from '../../version';
import { highestScore } from '../merge';
import type { Finding, ScanReport, ScanTarget } from '../model';
import { severityLabel, type FindingSeverity } from '../severity';
import { describeFix } from './text';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

const TOOL_URIS: Readonly<Record<string, string>> = {
  grype: 'https://github.com/anchore/grype',
  trivy: 'https://github.com/aquasecurity/trivy',
};

/** security-severity bands GitHub uses (critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0, low > 0). */
const BANDS: Readonly<Record<FindingSeverity, { min: number; max: number; middle: string }>> = {
  critical: { min: 9.0, max: 10.0, middle: '9.5' },
  high: { min: 7.0, max: 8.9, middle: '8.0' },
  medium: { min: 4.0, max: 6.9, middle: '5.5' },
  low: { min: 0.1, max: 3.9, middle: '2.0' },
  negligible: { min: 0, max: 0, middle: '0.0' },
  unknown: { min: 0, max: 0, middle: '0.0' },
};

type Level = 'error' | 'warning' | 'note';
const LEVELS: Readonly<Record<FindingSeverity, Level>> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', negligible: 'note', unknown: 'note' };

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}

interface SarifRun {
  tool: { driver: Record<string, unknown>; extensions?: Record<string, unknown>[] };
  invocations: Record<string, unknown>[];
  results: Record<string, unknown>[];
  properties: Record<string, unknown>;
}

export function renderSarif(report: ScanReport): SarifLog {
  const byRule = new Map<string, Finding[]>();
  for (const finding of report.findings) byRule.set(finding.id, [...(byRule.get(finding.id) ?? []), finding]);
  const ruleIds = [...byRule.keys()];
  const rules = ruleIds.map((id) => rule(id, byRule.get(id)!));
  const results = report.findings.map((finding) => result(finding, ruleIds.indexOf(finding.id), report.target));
  const failed = report.tools.filter((t) => t.status === 'failed');
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: 'Shipshape', version: VERSION, semanticVersion: VERSION, rules },
          extensions: report.tools
            .filter((t) => t.status === 'ok')
            .map((t) => ({ name: t.tool, ...(t.version ? { version: t.version } : {}), informationUri: TOOL_URIS[t.tool] })),
        },
        invocations: [
          {
            executionSuccessful: failed.length === 0,
            startTimeUtc: report.startedAt,
            endTimeUtc: report.finishedAt,
            toolExecutionNotifications: failed.map((t) => ({
              level: t.required ? 'error' : 'warning',
              message: { text: `${t.tool} did not scan (${t.failure?.reason ?? 'failed'}): ${t.failure?.message ?? ''}` },
            })),
          },
        ],
        results,
        properties: { target: report.target, summary: report.summary, policyPassed: report.policy.passed },
      },
    ],
  };
}

function rule(id: string, findings: Finding[]): Record<string, unknown> {
  const worst = findings[0]!; // findings are sorted most severe first
  const text = worst.title ?? worst.description?.split('\n')[0] ?? id;
  const helpUri = worst.urls.find((u) => /^https?:\/\//.test(u));
  const packages = findings.map((f) => `${f.package.name} ${f.package.version}`).join(', ');
  return {
    id,
    name: id.replace(/[^A-Za-z0-9]/g, ''),
    shortDescription: { text: truncate(`${id}: ${text}`, 1024) },
    fullDescription: { text: truncate(worst.description ?? text, 4096) },
    ...(helpUri ? { helpUri } : {}),
    help: {
      text: `${id} (${severityLabel(worst.severity)}) in ${packages}.${worst.fix.versions.length ? ` Fixed in ${worst.fix.versions.join(', ')}.` : ''}`,
      markdown: `**${id}** (${severityLabel(worst.severity)})\n\n| Package | Version | Fixed in |\n| --- | --- | --- |\n${findings
        .map((f) => `| ${md(f.package.name)} | ${md(f.package.version)} | ${md(describeFix(f))} |`)
        .join('\n')}`,
    },
    defaultConfiguration: { level: LEVELS[worst.severity] },
    properties: {
      'security-severity': securitySeverity(worst),
      tags: ['security', 'vulnerability', worst.severity],
      precision: 'very-high',
    },
  };
}

function result(finding: Finding, ruleIndex: number, target: ScanTarget): Record<string, unknown> {
  const { name, version } = finding.package;
  const fix = describeFix(finding);
  return {
    ruleId: finding.id,
    ruleIndex,
    level: LEVELS[finding.severity],
    message: {
      text: `${name} ${version} is affected by ${finding.id} (${severityLabel(finding.severity)})${fix ? `; fixed in: ${fix}` : ''}. Found by ${finding.tools.join(' and ')}.`,
    },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: artifactUri(finding, target) }, region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 } },
        message: { text: `${name} ${version}` },
      },
    ],
    partialFingerprints: { 'shipshapeFinding/v1': fingerprint(finding) },
    properties: {
      severity: finding.severity,
      package: finding.package,
      fixState: finding.fix.state,
      fixedVersions: finding.fix.versions,
      aliases: finding.aliases,
      tools: finding.tools,
    },
    ...(finding.ignored ? { suppressions: [{ kind: 'external', status: 'accepted', justification: finding.ignored.reason }] } : {}),
  };
}

export function securitySeverity(finding: Pick<Finding, 'severity' | 'cvss'>): string {
  const band = BANDS[finding.severity];
  const score = highestScore(finding);
  if (score !== undefined && score >= band.min && score <= band.max && band.max > 0) return score.toFixed(1);
  return band.middle;
}

/** Where GitHub files the alert: the package's path in the image, else the image's name; a relative URI either way. */
function artifactUri(finding: Finding, target: ScanTarget): string {
  const location = finding.package.locations[0];
  const text =
    location?.replace(/^\/+/, '') ||
    (target.kind === 'image' ? target.reference.split('@')[0]! : target.kind === 'sbom' ? target.file : (target.artifact ?? target.file)).replace(/^\/+/, '');
  return encodeURI(text).replace(/:/g, '%3A').replace(/[?#]/g, encodeURIComponent) || 'image';
}

function fingerprint(finding: Finding): string {
  return createHash('sha256').update(`${finding.id}|${finding.package.type}|${finding.package.name}|${finding.package.version}`).digest('hex');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function md(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}
