/**
 * `trivy image|sbom -f json`, SchemaVersion 2 (aquasecurity/trivy pkg/types/report.go): `Results[]` per
 * target (OS packages, each language's packages), each with `Vulnerabilities[]`. `Severity` is the one
 * trivy chose (the data source's own rating, else NVD's), UPPERCASE; `Status` (trivy ≥ 0.35) is
 * `fixed`, `affected`, `will_not_fix`, `fix_deferred`, `end_of_life`, `under_investigation`, `unknown`.
 */
import { z } from 'zod';
import { normalizeSeverity } from '../severity';
import type { Cvss, FixState, ToolView } from '../model';
import { ecosystem } from '../identity';
import { cvssVersionOf, distinct, reportError, type ParsedReport } from './common';

const cvssEntrySchema = z
  .object({
    V2Vector: z.string().optional(),
    V3Vector: z.string().optional(),
    V40Vector: z.string().optional(),
    V2Score: z.number().optional(),
    V3Score: z.number().optional(),
    V40Score: z.number().optional(),
  })
  .loose();

const vulnerabilitySchema = z
  .object({
    VulnerabilityID: z.string().min(1),
    VendorIDs: z.array(z.string()).nullish(),
    PkgName: z.string(),
    PkgPath: z.string().optional(),
    PkgIdentifier: z.object({ PURL: z.string().optional() }).loose().optional(),
    InstalledVersion: z.string().optional(),
    FixedVersion: z.string().optional(),
    Status: z.string().optional(),
    SeveritySource: z.string().optional(),
    PrimaryURL: z.string().optional(),
    DataSource: z.object({ ID: z.string().optional(), Name: z.string().optional(), URL: z.string().optional() }).loose().optional(),
    Title: z.string().optional(),
    Description: z.string().optional(),
    Severity: z.string().optional(),
    CVSS: z.record(z.string(), cvssEntrySchema).nullish(),
    References: z.array(z.string()).nullish(),
  })
  .loose();

const resultSchema = z
  .object({
    Target: z.string(),
    Class: z.string().optional(),
    Type: z.string().optional(),
    Vulnerabilities: z.array(vulnerabilitySchema).nullish(),
  })
  .loose();

export const trivyReportSchema = z
  .object({
    SchemaVersion: z.literal(2, { error: 'expected 2 (trivy 0.20 or newer)' }),
    ArtifactName: z.string().optional(),
    ArtifactType: z.string().optional(),
    Trivy: z.object({ Version: z.string().optional() }).loose().optional(),
    Results: z.array(resultSchema).nullish(),
  })
  .loose();
type TrivyVulnerability = z.infer<typeof vulnerabilitySchema>;
type TrivyResult = z.infer<typeof resultSchema>;

export function looksLikeTrivy(json: unknown): boolean {
  return typeof json === 'object' && json !== null && 'SchemaVersion' in json && ('Results' in json || 'ArtifactName' in json);
}

export function parseTrivyReport(json: unknown, where: string): ParsedReport {
  const parsed = trivyReportSchema.safeParse(json);
  if (!parsed.success) throw reportError('trivy JSON report (trivy image -f json)', where, parsed.error);
  const report = parsed.data;
  const views: ToolView[] = [];
  for (const result of report.Results ?? []) {
    for (const vulnerability of result.Vulnerabilities ?? []) {
      // A VEX statement or ignore policy marked it not affecting this image: not a finding.
      if (vulnerability.Status === 'not_affected') continue;
      views.push(toView(vulnerability, result));
    }
  }
  const version = report.Trivy?.Version;
  return { tool: 'trivy', format: 'trivy-json', ...(version && version !== 'dev' ? { toolVersion: version } : {}), artifact: report.ArtifactName, views };
}

const STATUS_TO_FIX_STATE: Readonly<Record<string, FixState>> = {
  fixed: 'fixed',
  affected: 'not-fixed',
  fix_deferred: 'not-fixed',
  under_investigation: 'not-fixed',
  will_not_fix: 'wont-fix',
  end_of_life: 'wont-fix',
  unknown: 'unknown',
};

/** GitHub advisory ids in reference URLs (`https://github.com/advisories/GHSA-…`): trivy's way of naming aliases. */
const GHSA_IN_URL = /\/(?:advisories|security\/advisories)\/(GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})\b/i;

function toView(vuln: TrivyVulnerability, result: TrivyResult): ToolView {
  const references = vuln.References ?? [];
  const versions = distinct((vuln.FixedVersion ?? '').split(',').map((v) => v.trim()));
  const state = vuln.Status ? (STATUS_TO_FIX_STATE[vuln.Status] ?? 'unknown') : versions.length ? 'fixed' : 'unknown';
  const purl = vuln.PkgIdentifier?.PURL;
  return {
    tool: 'trivy',
    id: vuln.VulnerabilityID,
    aliases: distinct([...(vuln.VendorIDs ?? []), ...references.map((url) => GHSA_IN_URL.exec(url)?.[1])]).filter((id) => id !== vuln.VulnerabilityID),
    severity: normalizeSeverity(vuln.Severity),
    severitySource: vuln.SeveritySource,
    namespace: vuln.DataSource?.ID,
    dataSource: vuln.DataSource?.URL,
    fix: { state, versions },
    ...(vuln.Status ? { fixStatus: vuln.Status } : {}),
    cvss: trivyCvss(vuln.CVSS ?? {}),
    package: {
      name: vuln.PkgName,
      version: vuln.InstalledVersion ?? '',
      type: ecosystem(result.Type, purl),
      ...(purl ? { purl } : {}),
      locations: vuln.PkgPath ? [vuln.PkgPath] : [],
    },
    title: vuln.Title,
    description: vuln.Description,
    urls: distinct([vuln.PrimaryURL, ...references]),
  };
}

function trivyCvss(byVendor: Record<string, z.infer<typeof cvssEntrySchema>>): Cvss[] {
  const scores: Cvss[] = [];
  for (const [source, entry] of Object.entries(byVendor)) {
    if (entry.V40Vector || entry.V40Score) scores.push({ source, version: '4.0', vector: entry.V40Vector, baseScore: entry.V40Score });
    if (entry.V3Vector || entry.V3Score) scores.push({ source, version: cvssVersionOf(entry.V3Vector, '3.0'), vector: entry.V3Vector, baseScore: entry.V3Score });
    if (entry.V2Vector || entry.V2Score) scores.push({ source, version: '2.0', vector: entry.V2Vector, baseScore: entry.V2Score });
  }
  return scores;
}
