/**
 * Vulnerabilities in a CycloneDX document (1.4+): what `trivy image --format cyclonedx --scanners vuln`
 * and `grype -o cyclonedx-json` write. Each vulnerability lists its `ratings` (one per source and
 * CVSS method) and the components it `affects` (by bom-ref).
 *
 * Which rating is the severity follows trivy (pkg/sbom/cyclonedx/marshal.go, pkg/vulnerability): the
 * rating of the vulnerability's own data source (`source.name`), else NVD's. NVD's CVSSv2 rating is
 * recomputed from the v2 score by trivy, so the v3/v4 one is preferred. With neither, the highest
 * rating counts (a report that only says "high" somewhere is not read as unknown).
 */
import { z } from 'zod';
import type { ScanToolName } from '../../config/schema';
import { ShipshapeError } from '../../errors';
import { maxSeverity, normalizeSeverity, type FindingSeverity } from '../severity';
import type { Cvss, ToolView } from '../model';
import { ecosystem } from '../identity';
import { cvssVersionOf, distinct, reportError, type ParsedReport } from './common';

const ratingSchema = z
  .object({
    source: z.object({ name: z.string().optional() }).loose().optional(),
    score: z.number().optional(),
    severity: z.string().optional(),
    method: z.string().optional(),
    vector: z.string().optional(),
  })
  .loose();

const vulnerabilitySchema = z
  .object({
    id: z.string().min(1),
    source: z.object({ name: z.string().optional(), url: z.string().optional() }).loose().optional(),
    references: z.array(z.object({ id: z.string() }).loose()).nullish(),
    ratings: z.array(ratingSchema).nullish(),
    description: z.string().optional(),
    recommendation: z.string().optional(),
    advisories: z.array(z.object({ url: z.string().optional() }).loose()).nullish(),
    analysis: z.object({ state: z.string().optional() }).loose().optional(),
    affects: z
      .array(z.object({ ref: z.string(), versions: z.array(z.object({ version: z.string().optional(), status: z.string().optional() }).loose()).nullish() }).loose())
      .nullish(),
  })
  .loose();

interface Component {
  'bom-ref'?: string;
  name: string;
  group?: string;
  version?: string;
  purl?: string;
  type?: string;
  properties?: { name: string; value?: string }[] | null;
  components?: Component[] | null;
}

const componentSchema: z.ZodType<Component> = z.lazy(() =>
  z
    .object({
      'bom-ref': z.string().optional(),
      name: z.string(),
      group: z.string().optional(),
      version: z.string().optional(),
      purl: z.string().optional(),
      type: z.string().optional(),
      properties: z.array(z.object({ name: z.string(), value: z.string().optional() }).loose()).nullish(),
      components: z.array(componentSchema).nullish(),
    })
    .loose(),
);

const toolSchema = z.object({ name: z.string().optional(), version: z.string().optional() }).loose();

export const cyclonedxVulnerabilitySchema = z
  .object({
    bomFormat: z.literal('CycloneDX'),
    specVersion: z.string(),
    metadata: z
      .object({
        // 1.4: an array of tools; 1.5+: {components, services}.
        tools: z.union([z.array(toolSchema), z.object({ components: z.array(toolSchema).nullish() }).loose()]).optional(),
        component: componentSchema.optional(),
      })
      .loose()
      .optional(),
    components: z.array(componentSchema).nullish(),
    vulnerabilities: z.array(vulnerabilitySchema).nullish(),
  })
  .loose();
type CdxVulnerability = z.infer<typeof vulnerabilitySchema>;
type CdxRating = z.infer<typeof ratingSchema>;

export function looksLikeCycloneDx(json: unknown): boolean {
  return typeof json === 'object' && json !== null && (json as Record<string, unknown>).bomFormat === 'CycloneDX';
}

/** VEX analysis states that say the component is not vulnerable. */
const NOT_AFFECTED = new Set(['not_affected', 'false_positive', 'resolved', 'resolved_with_pedigree']);

export function parseCycloneDxReport(json: unknown, tool: ScanToolName, where: string): ParsedReport {
  const parsed = cyclonedxVulnerabilitySchema.safeParse(json);
  if (!parsed.success) throw reportError('CycloneDX document', where, parsed.error);
  const bom = parsed.data;
  const tools = reportTools(bom.metadata?.tools);
  const other = tools.find((t) => (t.name === 'grype' || t.name === 'trivy') && t.name !== tool);
  if (other && !tools.some((t) => t.name === tool)) {
    throw new ShipshapeError('input', `this CycloneDX document was written by ${other.name}, not ${tool}`, { where, hint: `pass --tool ${other.name}` });
  }
  const byRef = new Map<string, Component>();
  const index = (components: readonly Component[] | null | undefined) => {
    for (const component of components ?? []) {
      if (component['bom-ref']) byRef.set(component['bom-ref'], component);
      index(component.components);
    }
  };
  index(bom.components);
  if (bom.metadata?.component) index([bom.metadata.component]);

  const views: ToolView[] = [];
  for (const vuln of bom.vulnerabilities ?? []) {
    if (vuln.analysis?.state && NOT_AFFECTED.has(vuln.analysis.state)) continue;
    for (const affect of vuln.affects ?? []) {
      const statuses = (affect.versions ?? []).map((v) => v.status).filter(Boolean);
      if (statuses.length > 0 && statuses.every((s) => s === 'unaffected')) continue;
      views.push(toView(vuln, tool, byRef.get(affect.ref), affect.ref, affect.versions?.[0]?.version));
    }
  }
  const own = tools.find((t) => t.name === tool);
  return {
    tool,
    format: 'cyclonedx-json',
    ...(own?.version && own.version !== 'dev' ? { toolVersion: own.version } : {}),
    artifact: bom.metadata?.component?.name,
    views,
  };
}

function reportTools(tools: unknown): { name: string; version?: string }[] {
  const list = Array.isArray(tools) ? tools : ((tools as { components?: unknown[] } | undefined)?.components ?? []);
  return list.flatMap((t) => {
    const parsed = toolSchema.safeParse(t);
    return parsed.success && parsed.data.name ? [{ name: parsed.data.name.toLowerCase(), version: parsed.data.version }] : [];
  });
}

/** The severity of a vulnerability from its ratings (see the module comment). */
export function cyclonedxSeverity(vuln: Pick<CdxVulnerability, 'source' | 'ratings'>): { severity: FindingSeverity; source?: string } {
  const ratings = (vuln.ratings ?? []).filter((r) => normalizeSeverity(r.severity) !== 'unknown');
  const pick = (source: string | undefined): CdxRating | undefined => {
    if (!source) return undefined;
    const own = ratings.filter((r) => r.source?.name === source);
    return own.find((r) => r.method !== 'CVSSv2') ?? own[0];
  };
  const dataSource = vuln.source?.name;
  const chosen = pick(dataSource) ?? pick('nvd');
  if (chosen) return { severity: normalizeSeverity(chosen.severity), source: chosen.source?.name };
  return { severity: maxSeverity(ratings.map((r) => normalizeSeverity(r.severity))) };
}

const CVSS_METHOD_VERSIONS: Readonly<Record<string, string>> = { CVSSv2: '2.0', CVSSv3: '3.0', CVSSv31: '3.1', CVSSv4: '4.0' };
/** trivy's recommendation text: `Upgrade libidn2-0 to version 2.0.5-1+deb10u1` (several versions comma-separated). */
const UPGRADE = /^Upgrade .+ to version (.+)$/;

function toView(vuln: CdxVulnerability, tool: ScanToolName, component: Component | undefined, ref: string, affectedVersion: string | undefined): ToolView {
  const { severity, source } = cyclonedxSeverity(vuln);
  const cvss: Cvss[] = (vuln.ratings ?? [])
    .filter((r) => r.method && r.method in CVSS_METHOD_VERSIONS)
    .map((r) => ({ source: r.source?.name, version: cvssVersionOf(r.vector, CVSS_METHOD_VERSIONS[r.method!]), vector: r.vector, baseScore: r.score }));
  const upgrade = vuln.recommendation ? UPGRADE.exec(vuln.recommendation.trim()) : null;
  const versions = upgrade ? distinct(upgrade[1]!.split(',').map((v) => v.trim())) : [];
  const purl = component?.purl ?? (ref.startsWith('pkg:') ? ref : undefined);
  const name = component ? (component.group && !purl ? `${component.group}:${component.name}` : component.name) : ref;
  const property = (key: string) => component?.properties?.find((p) => p.name === key)?.value;
  return {
    tool,
    id: vuln.id,
    aliases: distinct((vuln.references ?? []).map((r) => r.id)).filter((id) => id !== vuln.id),
    severity,
    ...(source ? { severitySource: source } : {}),
    namespace: vuln.source?.name,
    dataSource: vuln.source?.url,
    fix: { state: versions.length ? 'fixed' : 'unknown', versions },
    cvss,
    package: {
      name,
      version: component?.version ?? affectedVersion ?? '',
      type: ecosystem(component?.type, purl),
      ...(purl ? { purl } : {}),
      locations: distinct([property('aquasecurity:trivy:PkgPath'), property('aquasecurity:trivy:FilePath'), property('syft:location:0:path')]),
    },
    description: vuln.description,
    urls: distinct((vuln.advisories ?? []).map((a) => a.url)),
  };
}
