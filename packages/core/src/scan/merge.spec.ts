/**
 * Findings of several tools merged by (vulnerability, package) without losing either view. The trivy
 * side is a real report (aquasecurity/trivy integration/testdata alpine-3.9, Apache-2.0, via
 * $SHIPSHAPE_FIXTURES); the grype side is a report of the same image in grype's JSON shape, written
 * here because the fixtures hold no grype scan of that image.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fixturesDir } from '../test-support/test-env';
import { mergeViews, toolSeverity } from './merge';
import { parseToolReport } from './parse';

const trivy = parseToolReport('trivy', readFileSync(path.join(fixturesDir(), 'trivy', 'alpine-3.9.trivy.json'), 'utf8'), 'alpine-3.9');

function grypeMatch(id: string, related: string[], severity: string, name: string, version: string, fix: { versions: string[]; state: string }) {
  return {
    vulnerability: { id, dataSource: `https://example.test/${id}`, namespace: 'alpine:distro:alpine:3.9', severity, urls: [], cvss: [], fix, advisories: [] },
    relatedVulnerabilities: related.map((r) => ({ id: r, namespace: 'nvd:cpe', severity, cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N', metrics: { baseScore: 5.3 } }] })),
    matchDetails: [],
    artifact: { name, version, type: 'apk', purl: `pkg:apk/alpine/${name}@${version}?arch=x86_64&distro=alpine-3.9.4`, locations: [{ path: '/lib/apk/db/installed' }] },
  };
}

const grypeReport = JSON.stringify({
  matches: [
    // The same CVE trivy reports, rated higher by grype's source, with an extra fixed version.
    grypeMatch('CVE-2019-1549', [], 'High', 'libcrypto1.1', '1.1.1b-r1', { versions: ['1.1.1d-r0', '1.1.1d-r3'], state: 'fixed' }),
    // A GitHub advisory whose related CVE trivy reports: the same vulnerability.
    grypeMatch('GHSA-aaaa-bbbb-cccc', ['CVE-2019-1551'], 'Medium', 'libcrypto1.1', '1.1.1b-r1', { versions: [], state: 'unknown' }),
    // Same CVE, another package: another finding.
    grypeMatch('CVE-2019-1549', [], 'Medium', 'musl', '1.1.20-r4', { versions: [], state: 'not-fixed' }),
  ],
  source: { type: 'image', target: { userInput: 'alpine:3.9' } },
  descriptor: { name: 'grype', version: '0.74.7', db: { status: { schemaVersion: 'v6.0.2', built: '2025-06-19T04:12:38Z', from: 'https://grype.anchore.io/databases/v6/x.tar.zst' } } },
});
const grype = parseToolReport('grype', grypeReport, 'grype');

describe('merging findings', () => {
  const findings = mergeViews([...trivy.views, ...grype.views]);

  it('one finding per (vulnerability, package), whichever tool and id reported it', () => {
    expect(trivy.views).toHaveLength(6);
    expect(findings).toHaveLength(7); // trivy's 6 + musl
    const keys = findings.map((f) => `${f.id} ${f.package.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('keeps both views, takes the highest severity, unions the fixed versions', () => {
    const finding = findings.find((f) => f.id === 'CVE-2019-1549' && f.package.name === 'libcrypto1.1')!;
    expect(finding.tools.sort()).toEqual(['grype', 'trivy']);
    expect(finding.views.map((v) => [v.tool, v.severity])).toEqual(expect.arrayContaining([['trivy', 'medium'], ['grype', 'high']]));
    expect(finding.severity).toBe('high');
    expect(toolSeverity(finding, 'trivy')).toBe('medium');
    expect(toolSeverity(finding, 'grype')).toBe('high');
    expect(finding.fix).toEqual({ state: 'fixed', versions: ['1.1.1d-r0', '1.1.1d-r3'] });
    expect(finding.package.purl).toMatch(/^pkg:apk\/alpine\/libcrypto1\.1@1\.1\.1b-r1/);
  });

  it('merges a GHSA into the CVE it is an alias of, keeping the GHSA as an alias', () => {
    const finding = findings.find((f) => f.id === 'CVE-2019-1551' && f.package.name === 'libcrypto1.1')!;
    expect(finding.views.map((v) => `${v.tool}:${v.id}`).sort()).toEqual(['grype:GHSA-aaaa-bbbb-cccc', 'trivy:CVE-2019-1551']);
    expect(finding.aliases).toContain('GHSA-aaaa-bbbb-cccc');
    // trivy knows the fix, grype does not: the finding knows it.
    expect(finding.fix.state).toBe('fixed');
  });

  it('records what each tool said about the database and CVSS', () => {
    expect(grype.database).toEqual({ version: 'v6.0.2 built 2025-06-19T04:12:38Z', schemaVersion: 'v6.0.2', built: '2025-06-19T04:12:38Z', source: 'https://grype.anchore.io/databases/v6/x.tar.zst' });
    const trivyView = trivy.views.find((v) => v.id === 'CVE-2019-1549')!;
    expect(trivyView.cvss).toEqual(
      expect.arrayContaining([
        { source: 'nvd', version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N', baseScore: 5.3 },
        { source: 'nvd', version: '2.0', vector: 'AV:N/AC:L/Au:N/C:P/I:N/A:N', baseScore: 5 },
        { source: 'redhat', version: '3.0', vector: 'CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N', baseScore: 4.8 },
      ]),
    );
    expect(trivyView).toMatchObject({ severitySource: 'nvd', namespace: 'alpine', dataSource: 'https://secdb.alpinelinux.org/', fix: { state: 'fixed', versions: ['1.1.1d-r0'] } });
  });
});
