/**
 * SARIF 2.1.0 for GitHub code scanning, from every real report in the shared fixtures (origins in
 * $SHIPSHAPE_FIXTURES/README.md: anchore/grype and aquasecurity/trivy testdata, Apache-2.0; DefectDojo
 * unit-test scans, BSD-3-Clause), plus a run where a scanner failed and a finding is ignored.
 * Validated against the OASIS SARIF 2.1.0 JSON schema when @microsoft/jest-sarif (which ships it) is
 * installed, and always against the rules GitHub's upload relies on.
 */
import type { ScanReport } from '../model';
import { reportFromFile } from '../scan';
import { buildReport } from '../report';
import { reportFixtures } from '../test-support/fixtures';
import { renderSarif, SARIF_SCHEMA, type SarifLog } from './sarif';

const BANDS: Record<string, [number, number]> = { critical: [9, 10], high: [7, 8.9], medium: [4, 6.9], low: [0.1, 3.9], negligible: [0, 0], unknown: [0, 0] };

async function reports(): Promise<[string, ScanReport][]> {
  const all: [string, ScanReport][] = [];
  for (const fixture of reportFixtures()) {
    const { report } = await reportFromFile({ tool: fixture.tool, file: fixture.file, ignore: [{ id: 'CVE-2019-14697', package: 'musl', reason: 'not used at run time' }] });
    all.push([fixture.name, report]);
  }
  const { report: grype } = await reportFromFile({ tool: 'grype', file: reportFixtures().find((f) => f.name.includes('busybox'))!.file, ignore: [] });
  all.push([
    'grype with a failed trivy',
    buildReport({
      target: { kind: 'image', reference: 'registry.example.com:5000/acme/shop@sha256:' + 'c'.repeat(64) },
      startedAt: new Date(grype.startedAt),
      finishedAt: new Date(grype.finishedAt),
      tools: [...grype.tools, { tool: 'trivy', status: 'failed', required: false, failure: { reason: 'no-database', message: 'trivy has no vulnerability database, so nothing was scanned' } }],
      views: grype.findings.flatMap((f) => f.views),
      ignore: [],
    }),
  ]);
  return all;
}

/** What GitHub's SARIF upload needs, checked without the schema. */
function checkForGitHub(log: SarifLog): void {
  expect(log.$schema).toBe(SARIF_SCHEMA);
  expect(log.version).toBe('2.1.0');
  expect(log.runs).toHaveLength(1);
  const run = log.runs[0]!;
  const rules = run.tool.driver.rules as { id: string; properties: { 'security-severity': string; tags: string[] }; shortDescription: { text: string } }[];
  expect(run.tool.driver.name).toBe('Shipshape');
  expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
  for (const rule of rules) {
    const severity = rule.properties.tags[2]!;
    const score = Number(rule.properties['security-severity']);
    expect(score).toBeGreaterThanOrEqual(BANDS[severity]![0]);
    expect(score).toBeLessThanOrEqual(BANDS[severity]![1]);
    expect(rule.shortDescription.text.length).toBeGreaterThan(0);
  }
  for (const result of run.results as {
    ruleId: string;
    ruleIndex: number;
    level: string;
    message: { text: string };
    locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
    partialFingerprints: Record<string, string>;
  }[]) {
    expect(rules[result.ruleIndex]!.id).toBe(result.ruleId);
    expect(['error', 'warning', 'note']).toContain(result.level);
    expect(result.message.text.length).toBeGreaterThan(0);
    const { uri } = result.locations[0]!.physicalLocation.artifactLocation;
    // A relative reference: no scheme, nothing a URI would need escaped, no colon before the first slash.
    expect(uri).toMatch(/^[A-Za-z0-9\-._~!$&'()*+,;=@%/]+$/);
    expect(uri.startsWith('/')).toBe(false);
    expect(result.locations[0]!.physicalLocation.region.startLine).toBe(1);
    expect(Object.values(result.partialFingerprints)[0]).toMatch(/^[0-9a-f]{64}$/);
  }
}

describe('SARIF', () => {
  it('meets what GitHub code scanning relies on, for every fixture', async () => {
    for (const [name, report] of await reports()) {
      const log = renderSarif(report);
      try {
        checkForGitHub(log);
      } catch (error) {
        throw new Error(`${name}: ${(error as Error).message}`);
      }
    }
  });

  it('marks ignored findings as suppressed and a failed scanner as a tool execution notification', async () => {
    const all = await reports();
    const alpine = renderSarif(all.find(([name]) => name === 'trivy/alpine-3.9.trivy.json')![1]).runs[0]!;
    const suppressed = alpine.results.filter((r) => r.suppressions);
    expect(suppressed).toEqual([expect.objectContaining({ ruleId: 'CVE-2019-14697', suppressions: [{ kind: 'external', status: 'accepted', justification: 'not used at run time' }] })]);
    const failed = renderSarif(all.at(-1)![1]).runs[0]!;
    expect(failed.invocations[0]).toMatchObject({
      executionSuccessful: false,
      toolExecutionNotifications: [{ level: 'warning', message: { text: 'trivy did not scan (no-database): trivy has no vulnerability database, so nothing was scanned' } }],
    });
  });

  it('validates against the SARIF 2.1.0 JSON schema (@microsoft/jest-sarif)', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- registers its matchers on expect
    require('@microsoft/jest-sarif');
    for (const [, report] of await reports()) {
      (expect(renderSarif(report)) as unknown as { toBeValidSarifLog(): void }).toBeValidSarifLog();
    }
  });
});
