/**
 * Every real grype and trivy report in the shared fixtures normalizes to the number of findings per
 * severity counted independently from the file (test-support/fixtures.ts), and every report format
 * renders those same counts. Fixture origins and licences: $SHIPSHAPE_FIXTURES/README.md — anchore/grype
 * and aquasecurity/trivy testdata (Apache-2.0), DefectDojo unit-test scans (BSD-3-Clause).
 */
import { renderMarkdown, renderSarif, renderTable } from './reports';
import { reportFromFile } from './scan';
import { SEVERITIES_DESCENDING, severityLabel } from './severity';
import { countFixture, reportFixtures, total, type Counts } from './test-support/fixtures';

const fixtures = reportFixtures();

/** A guard on the independent counter itself: totals read off the files by hand (see the README's notes). */
const EXPECTED_TOTALS: Record<string, number> = {
  'grype/busybox-epss.grype.json': 15,
  // 6 matches, one listed twice (DefectDojo's test data): 5 findings.
  'grype/debian10-check-all-fields.grype.json': 5,
  'grype/keycloak-rhel9.grype.json': 6,
  'grype/no-vulns.grype.json': 0,
  // uri 0.10.1 is matched as CVE-2023-28755 (NVD) and as GHSA-hv5j-3h9f-99c2 (its GitHub advisory): one finding.
  'grype/wolfi-ruby.grype.json': 2,
  'trivy/alpine-3.10.trivy.json': 4,
  'trivy/alpine-3.9.trivy.json': 6,
  'trivy/distroless-base.trivy.json': 4,
  'trivy/fluentd.trivy.cdx.json': 3,
};

describe('real scanner reports', () => {
  it('are all here (every file in grype/ and trivy/ is covered)', () => {
    expect(fixtures.map((f) => f.name).sort()).toEqual(Object.keys(EXPECTED_TOTALS).sort());
    for (const fixture of fixtures) expect([fixture.name, total(countFixture(fixture))]).toEqual([fixture.name, EXPECTED_TOTALS[fixture.name]]);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s normalizes to the independently counted findings per severity', async (_name, fixture) => {
    const expected = countFixture(fixture);
    const { report } = await reportFromFile({ tool: fixture.tool, file: fixture.file, ignore: [] });
    expect(report.summary.counts).toEqual(expected);
    expect(report.summary.total).toBe(total(expected));
    expect(report.findings).toHaveLength(total(expected));
    expect(report.summary.scanned).toBe(true);
    expect(report.tools[0]!.counts).toEqual(expected);
    // Every finding keeps the tool's own record(s) of it.
    for (const finding of report.findings) {
      expect(finding.views.length).toBeGreaterThan(0);
      expect(finding.views.every((v) => v.tool === fixture.tool)).toBe(true);
      expect(finding.package.name).not.toBe('');
    }
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: Markdown, the table and SARIF render the same counts', async (_name, fixture) => {
    const expected = countFixture(fixture);
    const { report } = await reportFromFile({ tool: fixture.tool, file: fixture.file, ignore: [] });

    expect(markdownCounts(renderMarkdown(report))).toEqual(expected);
    expect(markdownTotal(renderMarkdown(report))).toBe(total(expected));

    const table = renderTable(report).split('\n');
    const header = table.findIndex((l) => /CRITICAL\s+HIGH\s+MEDIUM\s+LOW\s+NEGLIGIBLE\s+UNKNOWN\s+TOTAL/.test(l));
    expect(table[header + 1]!.trim().split(/\s+/).map(Number)).toEqual([...SEVERITIES_DESCENDING.map((s) => expected[s]), total(expected), 0]);

    const sarif = renderSarif(report);
    const results = sarif.runs[0]!.results as { properties: { severity: string }; level: string }[];
    expect(results).toHaveLength(total(expected));
    for (const severity of SEVERITIES_DESCENDING) {
      expect(results.filter((r) => r.properties.severity === severity)).toHaveLength(expected[severity]);
    }
  });
});

function markdownCounts(markdown: string): Counts {
  const counts = {} as Counts;
  for (const severity of SEVERITIES_DESCENDING) {
    const match = new RegExp(`^\\| ${severityLabel(severity)} \\| (\\d+) \\|$`, 'm').exec(markdown);
    counts[severity] = Number(match?.[1] ?? NaN);
  }
  return counts;
}

function markdownTotal(markdown: string): number {
  return Number(/^\| \*\*Total\*\* \| \*\*(\d+)\*\* \|$/m.exec(markdown)?.[1] ?? NaN);
}
