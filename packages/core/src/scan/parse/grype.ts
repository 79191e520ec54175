/**
 * `grype -o json` (anchore/grype grype/presenter/models): `matches[]` of {vulnerability, relatedVulnerabilities,
 * artifact}, and `descriptor` with the grype version and its database (v5: `db.{built,schemaVersion,checksum}`;
 * v6: `db.status.{schemaVersion,built,from}`). Severities are Title case; `fix.state` is `fixed`,
 * `not-fixed`, `wont-fix`, `unknown` or, in some releases, empty.
 */
import { z } from 'zod';
import { normalizeSeverity } from '../severity';
import type { Cvss, DatabaseInfo, FixState, ToolView } from '../model';
import { ecosystem } from '../identity';
import { cvssVersionOf, distinct, reportError, type ParsedReport } from './common';

const cvssSchema = z
  .object({
    source: z.string().optional(),
    version: z.string().optional(),
    vector: z.string().optional(),
    metrics: z.object({ baseScore: z.number().optional() }).loose().optional(),
  })
  .loose();

const vulnerabilityMetadataSchema = z
  .object({
    id: z.string().min(1),
    dataSource: z.string().optional(),
    namespace: z.string().optional(),
    severity: z.string().optional(),
    urls: z.array(z.string()).nullish(),
    description: z.string().optional(),
    cvss: z.array(cvssSchema).nullish(),
  })
  .loose();

const matchSchema = z
  .object({
    vulnerability: vulnerabilityMetadataSchema.extend({
      fix: z.object({ versions: z.array(z.string()).nullish(), state: z.string().optional() }).loose().optional(),
      advisories: z.array(z.object({ id: z.string().optional(), link: z.string().optional() }).loose()).nullish(),
    }),
    relatedVulnerabilities: z.array(vulnerabilityMetadataSchema).nullish(),
    artifact: z
      .object({
        name: z.string(),
        version: z.string(),
        type: z.string().optional(),
        purl: z.string().optional(),
        locations: z.array(z.object({ path: z.string().optional() }).loose()).nullish(),
      })
      .loose(),
  })
  .loose();

const dbV5Schema = z
  .object({ built: z.string().optional(), schemaVersion: z.union([z.number(), z.string()]).optional(), checksum: z.string().optional(), error: z.unknown().optional() })
  .loose();
const dbV6Schema = z
  .object({
    status: z
      .object({ schemaVersion: z.string().optional(), built: z.string().optional(), from: z.string().optional(), valid: z.boolean().optional(), error: z.string().optional() })
      .loose(),
  })
  .loose();

export const grypeReportSchema = z
  .object({
    matches: z.array(matchSchema),
    source: z.object({ type: z.string().optional(), target: z.unknown().optional() }).loose().optional(),
    descriptor: z
      .object({ name: z.string().optional(), version: z.string().optional(), db: z.unknown().optional() })
      .loose()
      .optional(),
  })
  .loose();
export type GrypeReport = z.infer<typeof grypeReportSchema>;
type GrypeMatch = GrypeReport['matches'][number];

/** Whether parsed JSON looks like a grype report (for telling formats apart). */
export function looksLikeGrype(json: unknown): boolean {
  return typeof json === 'object' && json !== null && Array.isArray((json as Record<string, unknown>).matches);
}

export function parseGrypeReport(json: unknown, where: string): ParsedReport {
  const parsed = grypeReportSchema.safeParse(json);
  if (!parsed.success) throw reportError('grype JSON report (grype -o json)', where, parsed.error);
  const report = parsed.data;
  return {
    tool: 'grype',
    format: 'grype-json',
    toolVersion: report.descriptor?.version,
    database: grypeDatabase(report.descriptor?.db),
    artifact: artifactName(report.source?.target),
    views: report.matches.map(toView),
  };
}

/** The database a grype report was made with, from either schema generation; undefined when it does not say. */
export function grypeDatabase(db: unknown): DatabaseInfo | undefined {
  const v6 = dbV6Schema.safeParse(db);
  if (v6.success && (v6.data.status.schemaVersion || v6.data.status.built)) {
    const { built, from } = v6.data.status;
    const schemaVersion = withV(v6.data.status.schemaVersion);
    return { version: describeDb(schemaVersion, built), ...(schemaVersion ? { schemaVersion } : {}), ...(built ? { built } : {}), ...(from ? { source: from } : {}) };
  }
  const v5 = dbV5Schema.safeParse(db);
  if (v5.success && (v5.data.schemaVersion !== undefined || v5.data.built)) {
    const schemaVersion = withV(v5.data.schemaVersion);
    const { built, checksum } = v5.data;
    return { version: describeDb(schemaVersion, built), ...(schemaVersion ? { schemaVersion } : {}), ...(built ? { built } : {}), ...(checksum ? { checksum } : {}) };
  }
  return undefined;
}

/** grype writes the schema as `v6.0.2` in reports, `6.0.0` in `db status`, `5` (a number) in v5 reports. */
function withV(schemaVersion: string | number | undefined): string | undefined {
  return schemaVersion === undefined || schemaVersion === '' ? undefined : `v${String(schemaVersion).replace(/^v/, '')}`;
}

function describeDb(schemaVersion: string | undefined, built: string | undefined): string {
  return [schemaVersion, built ? `built ${built}` : undefined].filter(Boolean).join(' ');
}

function artifactName(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (target && typeof target === 'object') {
    const userInput = (target as Record<string, unknown>).userInput;
    if (typeof userInput === 'string') return userInput;
  }
  return undefined;
}

const FIX_STATES: Readonly<Record<string, FixState>> = { fixed: 'fixed', 'not-fixed': 'not-fixed', 'wont-fix': 'wont-fix', unknown: 'unknown' };

function toView(match: GrypeMatch): ToolView {
  const { vulnerability: vuln, artifact } = match;
  const related = match.relatedVulnerabilities ?? [];
  const cvss: Cvss[] = [vuln, ...related].flatMap((record) =>
    (record.cvss ?? []).map((c) => ({
      source: c.source ?? record.namespace,
      version: c.version ?? cvssVersionOf(c.vector),
      vector: c.vector,
      baseScore: c.metrics?.baseScore,
    })),
  );
  const versions = distinct(vuln.fix?.versions ?? []);
  const state = FIX_STATES[vuln.fix?.state ?? ''] ?? (versions.length ? 'fixed' : 'unknown');
  return {
    tool: 'grype',
    id: vuln.id,
    aliases: distinct([...related.map((r) => r.id), ...(vuln.advisories ?? []).map((a) => a.id)]).filter((id) => id !== vuln.id),
    severity: normalizeSeverity(vuln.severity),
    severitySource: vuln.namespace,
    namespace: vuln.namespace,
    dataSource: vuln.dataSource,
    fix: { state, versions },
    ...(vuln.fix?.state ? { fixStatus: vuln.fix.state } : {}),
    cvss,
    package: {
      name: artifact.name,
      version: artifact.version,
      type: ecosystem(artifact.type, artifact.purl),
      ...(artifact.purl ? { purl: artifact.purl } : {}),
      locations: distinct((artifact.locations ?? []).map((l) => l.path)),
    },
    description: vuln.description ?? related.find((r) => r.description)?.description,
    urls: distinct([vuln.dataSource, ...(vuln.urls ?? [])]),
  };
}
