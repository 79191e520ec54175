/**
 * The findings model every scanner's report is turned into, and what the JSON report holds. A
 * Finding is one vulnerability in one package; each tool that reported it keeps its own view (id,
 * severity, fix, CVSS as that tool saw them), so merging never loses a tool's opinion.
 */
import type { ScanToolName } from '../config/schema';
import type { FindingSeverity, SeverityCounts, FailOnSeverity } from './severity';

export type FixState = 'fixed' | 'not-fixed' | 'wont-fix' | 'unknown';

export interface Cvss {
  /** Who scored it: `nvd`, `redhat`, `nvd@nist.gov`, a grype namespace. */
  source?: string;
  /** `2.0`, `3.0`, `3.1`, `4.0`. */
  version?: string;
  vector?: string;
  baseScore?: number;
}

export interface PackageRef {
  name: string;
  version: string;
  /** The ecosystem: the purl type when known (`deb`, `npm`, `maven`), else the tool's own word. */
  type: string;
  purl?: string;
  /** Paths in the image where it was found (may be empty, e.g. for an SBOM scan). */
  locations: string[];
}

export interface Fix {
  state: FixState;
  versions: string[];
}

/** One tool's record of one vulnerability in one package. */
export interface ToolView {
  tool: ScanToolName;
  /** The id the tool reported (a GHSA for a GitHub-sourced grype match). */
  id: string;
  aliases: string[];
  severity: FindingSeverity;
  /** Whose rating `severity` is: trivy's SeveritySource, grype's namespace. */
  severitySource?: string;
  /** The database namespace or data source id (`debian:10`, `alpine`, `ghsa`). */
  namespace?: string;
  /** Where the record came from (an advisory or tracker URL). */
  dataSource?: string;
  fix: Fix;
  /** The tool's own fix status word, when it has one (`will_not_fix`, `affected`). */
  fixStatus?: string;
  cvss: Cvss[];
  package: PackageRef;
  title?: string;
  description?: string;
  urls: string[];
}

export interface IgnoreMatch {
  /** The rule as written: `CVE-2024-1234` or `CVE-2024-1234 in openssl`. */
  rule: string;
  reason: string;
  expires?: string;
}

export interface Finding {
  /** The vulnerability: the CVE when any view names exactly one, else the first tool's id. */
  id: string;
  /** Every other id the views know it by (GHSA, vendor advisories, ids of other tools). */
  aliases: string[];
  /** The highest severity of the views. */
  severity: FindingSeverity;
  package: PackageRef;
  fix: Fix;
  cvss: Cvss[];
  title?: string;
  description?: string;
  /** The first is the primary reference. */
  urls: string[];
  tools: ScanToolName[];
  views: ToolView[];
  /** Set when an active ignore rule covers it: reported, but not counted nor gating. */
  ignored?: IgnoreMatch;
}

export interface DatabaseInfo {
  /** What to show and record: `v6.0.2 built 2025-06-19T04:12:38Z`, `2 updated 2024-05-01T06:12:21Z`. */
  version: string;
  schemaVersion?: string;
  built?: string;
  /** Where it was downloaded from, when the tool says. */
  source?: string;
  checksum?: string;
}

/** Why a scanner produced no result. `no-database` is called out: it must never read as "0 vulnerabilities". */
export type ToolFailureReason = 'not-installed' | 'no-database' | 'timed-out' | 'failed' | 'invalid-report';

export interface ToolRunSummary {
  tool: ScanToolName;
  status: 'ok' | 'failed';
  /** A failure of a required tool fails the step; otherwise it warns (fail-open). */
  required: boolean;
  failOn?: FailOnSeverity;
  version?: string;
  database?: DatabaseInfo;
  /** The report format the findings were read from. */
  reportFormat?: ReportFormat;
  failure?: { reason: ToolFailureReason; message: string };
  /** This tool's findings by its own severities (ignored ones excluded); absent when it did not run. */
  counts?: SeverityCounts;
  startedAt?: string;
  finishedAt?: string;
}

export type ReportFormat = 'grype-json' | 'trivy-json' | 'cyclonedx-json';

export type ScanTarget =
  | { kind: 'image'; reference: string; digest?: string }
  | { kind: 'sbom'; file: string }
  /** `scan report`: a tool report made elsewhere. */
  | { kind: 'report'; file: string; artifact?: string };

export interface ToolPolicyResult {
  tool: ScanToolName;
  failOn?: FailOnSeverity;
  /** Non-ignored findings of this tool at or above failOn. */
  failing: number;
  passed: boolean;
}

export interface PolicyResult {
  passed: boolean;
  /** Each reason the step fails, one line each. */
  failures: string[];
  /** What went wrong without failing the step (fail-open), expired ignore rules, unused rules. */
  warnings: string[];
  tools: ToolPolicyResult[];
}

export interface ScanReport {
  reportVersion: 1;
  generator: { name: 'shipshape'; version: string };
  target: ScanTarget;
  startedAt: string;
  finishedAt: string;
  tools: ToolRunSummary[];
  summary: {
    /** Non-ignored findings per severity (each finding at its highest view). */
    counts: SeverityCounts;
    total: number;
    ignored: number;
    fixable: number;
    /** True when at least one scanner produced a result: without it, the counts mean nothing. */
    scanned: boolean;
  };
  findings: Finding[];
  policy: PolicyResult;
}
