/**
 * The real scanner reports the tests read, and an INDEPENDENT count of their findings per severity:
 * a few lines of plain JSON walking, sharing no code with the parsers, so a parser bug cannot agree
 * with itself. The counting rules are the documented ones:
 *  - one finding per (vulnerability, package): grype may list a GitHub advisory and its CVE for the
 *    same package (the GHSA's related CVE names it), or the same match twice;
 *  - grype: `vulnerability.severity`; trivy JSON: `Severity`; trivy CycloneDX: the rating of the
 *    vulnerability's own data source, else NVD's non-CVSSv2 rating (trivy's rule);
 *  - a missing or unrecognised severity is unknown; CycloneDX info/none is negligible.
 *
 * Fixtures ($SHIPSHAPE_FIXTURES, default ../shared/fixtures; see its README.md for origins):
 *  - grype/: anchore/grype grype/presenter/explain/testdata (Apache-2.0) and DefectDojo
 *    unittests/scans/anchore_grype (BSD-3-Clause);
 *  - trivy/: aquasecurity/trivy integration/testdata (Apache-2.0).
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fixturesDir } from '../../test-support/test-env';

export type Level = 'critical' | 'high' | 'medium' | 'low' | 'negligible' | 'unknown';
export const LEVELS: Level[] = ['unknown', 'negligible', 'low', 'medium', 'high', 'critical'];
export type Counts = Record<Level, number>;

export interface ReportFixture {
  tool: 'grype' | 'trivy';
  name: string;
  file: string;
}

export function reportFixtures(): ReportFixture[] {
  const dir = fixturesDir();
  return (['grype', 'trivy'] as const).flatMap((tool) =>
    readdirSync(path.join(dir, tool))
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => ({ tool, name: `${tool}/${name}`, file: path.join(dir, tool, name) })),
  );
}

function level(word: unknown): Level {
  const w = typeof word === 'string' ? word.toLowerCase() : '';
  if (w === 'info' || w === 'none') return 'negligible';
  return (LEVELS as string[]).includes(w) ? (w as Level) : 'unknown';
}

/* eslint-disable @typescript-eslint/no-explicit-any -- plain JSON walking, on purpose without the parsers' types */
function tally(entries: Iterable<[string, Level]>): Counts {
  const worst = new Map<string, Level>();
  for (const [key, severity] of entries) {
    const before = worst.get(key);
    if (!before || LEVELS.indexOf(severity) > LEVELS.indexOf(before)) worst.set(key, severity);
  }
  const counts: Counts = { critical: 0, high: 0, medium: 0, low: 0, negligible: 0, unknown: 0 };
  for (const severity of worst.values()) counts[severity]++;
  return counts;
}

export function countFixture(fixture: ReportFixture): Counts {
  const json: any = JSON.parse(readFileSync(fixture.file, 'utf8'));
  if (json.bomFormat === 'CycloneDX') {
    const entries: [string, Level][] = [];
    for (const v of json.vulnerabilities ?? []) {
      const ratings: any[] = v.ratings ?? [];
      const own = ratings.filter((r) => r.source?.name === v.source?.name);
      const nvd = ratings.filter((r) => r.source?.name === 'nvd');
      const pick = own.find((r) => r.method !== 'CVSSv2') ?? own[0] ?? nvd.find((r) => r.method !== 'CVSSv2') ?? nvd[0];
      for (const a of v.affects ?? []) entries.push([`${v.id}|${a.ref}`, level(pick?.severity)]);
    }
    return tally(entries);
  }
  if (fixture.tool === 'grype') {
    return tally(
      (json.matches as any[]).map((m) => {
        const id: string = m.vulnerability.id;
        const cves = [...new Set((m.relatedVulnerabilities ?? []).map((r: any) => r.id).filter((r: string) => r.startsWith('CVE-')))];
        const vuln = id.startsWith('CVE-') ? id : cves.length === 1 ? cves[0] : id;
        return [`${vuln}|${m.artifact.type}|${m.artifact.name}|${m.artifact.version}`, level(m.vulnerability.severity)];
      }),
    );
  }
  const entries: [string, Level][] = [];
  for (const result of json.Results ?? []) {
    for (const v of result.Vulnerabilities ?? []) {
      if (v.Status !== 'not_affected') entries.push([`${v.VulnerabilityID}|${v.PkgName}|${v.InstalledVersion}`, level(v.Severity)]);
    }
  }
  return tally(entries);
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export function total(counts: Counts): number {
  return LEVELS.reduce((sum, l) => sum + counts[l], 0);
}

/** Whether `counts` holds anything at or above `threshold`: what --fail-on must decide. */
export function failsAt(counts: Counts, threshold: Level): boolean {
  return LEVELS.slice(LEVELS.indexOf(threshold)).some((l) => counts[l] > 0);
}
