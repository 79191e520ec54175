/**
 * The scan policy: failOn per tool over that tool's own severities, required tools, fail-open by
 * default, and ignore rules (by id or alias, optionally by package, with a reason; expired rules stop
 * applying and say so). Findings come from a real report (DefectDojo unittests/scans/anchore_grype
 * check_all_fields.json, BSD-3-Clause, via $SHIPSHAPE_FIXTURES).
 */
import * as path from 'node:path';
import { fixturesDir } from '../test-support/test-env';
import type { ToolRunSummary } from './model';
import { reportFromFile } from './scan';
import { buildReport } from './report';

const FILE = path.join(fixturesDir(), 'grype', 'debian10-check-all-fields.grype.json');
// Its findings: CVE-2021-33574 Critical in libc-bin and libc6, CVE-2021-32626 High in redis,
// GHSA-v6rh-hp5x-86rv (CVE-2021-44420) High in Django, CVE-2004-0971 Negligible in libgssapi-krb5-2.
const NOW = new Date('2026-03-01T12:00:00Z');

async function scan(failOn: 'critical' | 'high' | 'medium' | undefined, ignore: Parameters<typeof reportFromFile>[0]['ignore'] = []) {
  return (await reportFromFile({ tool: 'grype', file: FILE, failOn, ignore, now: NOW })).report;
}

describe('failOn', () => {
  it('fails at and above the threshold, naming the counts', async () => {
    const report = await scan('high');
    expect(report.policy.passed).toBe(false);
    expect(report.policy.failures).toEqual(['grype: 4 findings at or above high (2 critical, 2 high); failOn is high']);
    expect(report.policy.tools).toEqual([{ tool: 'grype', failOn: 'high', failing: 4, passed: false }]);
  });

  it('without failOn nothing fails (fail-open)', async () => {
    const report = await scan(undefined);
    expect(report.policy).toMatchObject({ passed: true, failures: [] });
    expect(report.summary.total).toBe(5);
  });
});

describe('ignore rules', () => {
  it('an ignored finding is reported with its reason but neither counted nor failing', async () => {
    const report = await scan('critical', [{ id: 'CVE-2021-33574', reason: 'glibc mq_notify: not reachable in this image' }]);
    expect(report.policy.passed).toBe(true);
    expect(report.summary.counts.critical).toBe(0);
    expect(report.summary.ignored).toBe(2);
    const ignored = report.findings.filter((f) => f.ignored);
    expect(ignored.map((f) => f.package.name).sort()).toEqual(['libc-bin', 'libc6']);
    expect(ignored[0]!.ignored).toEqual({ rule: 'CVE-2021-33574', reason: 'glibc mq_notify: not reachable in this image' });
  });

  it('matches an alias (the CVE of a GitHub advisory) and narrows to one package', async () => {
    const report = await scan('high', [
      { id: 'CVE-2021-44420', reason: 'Django is a build tool here' },
      { id: 'CVE-2021-33574', package: 'libc6', reason: 'only libc6 is patched' },
    ]);
    expect(report.findings.find((f) => f.package.name === 'Django')!.ignored?.reason).toBe('Django is a build tool here');
    expect(report.findings.find((f) => f.package.name === 'libc6')!.ignored?.rule).toBe('CVE-2021-33574 in libc6');
    expect(report.findings.find((f) => f.package.name === 'libc-bin')!.ignored).toBeUndefined();
    expect(report.policy.failures).toEqual(['grype: 2 findings at or above high (1 critical, 1 high); failOn is high']);
  });

  it('an expired rule stops applying, and says so; one expiring today still applies', async () => {
    const report = await scan('critical', [
      { id: 'CVE-2021-33574', package: 'libc6', reason: 'waiting for the base image', expires: '2026-02-28' },
      { id: 'CVE-2021-33574', package: 'libc-bin', reason: 'waiting for the base image', expires: '2026-03-01' },
    ]);
    expect(report.findings.find((f) => f.package.name === 'libc6')!.ignored).toBeUndefined();
    expect(report.findings.find((f) => f.package.name === 'libc-bin')!.ignored?.expires).toBe('2026-03-01');
    expect(report.policy.passed).toBe(false);
    expect(report.policy.warnings).toContain(
      'ignore rule CVE-2021-33574 in libc6 expired on 2026-02-28 and no longer applies (reason was: waiting for the base image); 1 finding it matched is counted again',
    );
  });

  it('a rule that matches nothing is pointed out', async () => {
    const report = await scan(undefined, [{ id: 'CVE-1999-0001', reason: 'old' }]);
    expect(report.policy.warnings).toEqual(['ignore rule CVE-1999-0001 matched no finding; remove it if the vulnerability is gone']);
  });
});

describe('tools that could not run', () => {
  const failed = (tool: 'grype' | 'trivy', required: boolean): ToolRunSummary => ({
    tool,
    status: 'failed',
    required,
    failure: { reason: 'no-database', message: `${tool} has no vulnerability database, so nothing was scanned` },
  });
  const build = (tools: ToolRunSummary[]) =>
    buildReport({ target: { kind: 'image', reference: 'r.example/app@sha256:' + 'a'.repeat(64) }, startedAt: NOW, finishedAt: NOW, tools, views: [], ignore: [] });

  it('a required tool that failed fails the step', () => {
    const report = build([failed('trivy', true)]);
    expect(report.policy.passed).toBe(false);
    expect(report.policy.failures).toEqual(['trivy (required) did not scan: trivy has no vulnerability database, so nothing was scanned']);
    expect(report.summary.scanned).toBe(false);
  });

  it('fail-open: a tool that is not required warns, and the report says nothing was scanned', () => {
    const report = build([failed('trivy', false)]);
    expect(report.policy.passed).toBe(true);
    expect(report.policy.warnings).toEqual([
      'trivy did not scan: trivy has no vulnerability database, so nothing was scanned — continuing because trivy is not required (fail-open)',
      'no scanner produced a result: the target was NOT scanned for vulnerabilities',
    ]);
    expect(report.summary).toMatchObject({ scanned: false, total: 0 });
  });

  it('each tool is judged on its own severities', () => {
    const ok: ToolRunSummary = { tool: 'grype', status: 'ok', required: false, failOn: 'critical' };
    const report = build([ok, failed('trivy', false)]);
    expect(report.policy.passed).toBe(true);
    expect(report.summary.scanned).toBe(true);
    expect(report.policy.warnings).toHaveLength(1);
  });
});
