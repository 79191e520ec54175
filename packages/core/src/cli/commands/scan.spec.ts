/**
 * `shipshape scan report` and `shipshape image scan` end to end through runCli.
 *  - scan report: every real grype and trivy report in the shared fixtures ($SHIPSHAPE_FIXTURES; origins
 *    and licences in its README: anchore/grype and aquasecurity/trivy testdata, Apache-2.0; DefectDojo
 *    unit-test scans, BSD-3-Clause), with --fail-on at each level passing or failing exactly as the
 *    independently counted findings say; every output format; the GitHub step summary.
 *  - image scan: the real trivy (no vulnerability database here) fail-open and fail-closed; a stand-in
 *    grype (test-support/standin-grype.ts: grype cannot be installed here) for the exact arguments and
 *    environment of registry, oci: and SBOM scans, credentials never printed.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../main';
import type { CliIO } from '../context';
import type { ScanReport } from '../../scan/model';
import { trivyTestEnv } from '../../sbom/backends/test-support/trivy';
import { countFixture, failsAt, reportFixtures, total, LEVELS, type Level } from '../../scan/test-support/fixtures';
import { standInGrype } from '../../scan/test-support/standin-grype';
import { fixtureImage, fixturesDir, testEnv } from '../../test-support/test-env';

async function shipshape(args: string[], extraEnv: NodeJS.ProcessEnv = {}, cwd = process.cwd()) {
  let stdout = '';
  let stderr = '';
  const env = { ...process.env, ...extraEnv };
  delete env.GITHUB_STEP_SUMMARY;
  if (extraEnv.GITHUB_STEP_SUMMARY) env.GITHUB_STEP_SUMMARY = extraEnv.GITHUB_STEP_SUMMARY;
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, cwd };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

const tempDir = () => mkdtemp(path.join(tmpdir(), 'shipshape-scan-cli-'));
const thresholds = LEVELS.filter((l): l is Exclude<Level, 'unknown'> => l !== 'unknown');
/** An empty config file, so a security.yaml of the machine running the tests cannot change the policy. */
async function emptyConfig(): Promise<string> {
  const file = path.join(await tempDir(), 'security.yaml');
  await writeFile(file, 'security: {}\n');
  return file;
}

describe('shipshape scan report', () => {
  const fixtures = reportFixtures();

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: --fail-on passes or fails at each level exactly as the counts say', async (_name, fixture) => {
    const counts = countFixture(fixture);
    const config = await emptyConfig();
    for (const level of thresholds) {
      const result = await shipshape(['--config', config, '--output', 'json', 'scan', 'report', '--tool', fixture.tool, '--input', fixture.file, '--fail-on', level.toUpperCase()]);
      const shouldFail = failsAt(counts, level);
      expect([level, result.code]).toEqual([level, shouldFail ? 1 : 0]);
      const report = JSON.parse(result.stdout) as ScanReport;
      expect(report.summary.counts).toEqual(counts);
      expect(report.policy.passed).toBe(!shouldFail);
      if (shouldFail) expect(result.stderr).toMatch(new RegExp(`error: the scan policy failed:\\n  - ${fixture.tool}: \\d+ findings? at or above ${level}`));
    }
    // Without --fail-on (and no failOn configured) nothing fails: fail-open.
    expect((await shipshape(['--config', config, 'scan', 'report', '--tool', fixture.tool, '--input', fixture.file])).code).toBe(0);
  });

  it('prints counts and top findings as a table; writes SARIF, Markdown and JSON, and the GitHub step summary', async () => {
    const fixture = fixtures.find((f) => f.name === 'trivy/alpine-3.9.trivy.json')!;
    const counts = countFixture(fixture);
    const dir = await tempDir();
    const summary = path.join(dir, 'step-summary.md');
    await writeFile(summary, '# earlier step\n');
    const config = await emptyConfig();

    const table = await shipshape(['--config', config, 'scan', 'report', '--tool', 'trivy', '--input', fixture.file], { GITHUB_STEP_SUMMARY: summary });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/CRITICAL\s+HIGH\s+MEDIUM\s+LOW\s+NEGLIGIBLE\s+UNKNOWN\s+TOTAL\s+IGNORED\n\s+2\s+0\s+4\s+0\s+0\s+0\s+6\s+0/);
    expect(table.stdout).toMatch(/Critical\s+CVE-2019-14697\s+musl\s+1\.1\.20-r4\s+1\.1\.20-r5\s+trivy/);
    const appended = await readFile(summary, 'utf8');
    expect(appended.startsWith('# earlier step\n## Vulnerability scan: ')).toBe(true);
    expect(appended).toContain('| Critical | 2 |');
    expect(appended).toContain(`| **Total** | **${total(counts)}** |`);

    const sarif = await shipshape(['--config', config, 'scan', 'report', '--tool', 'trivy', '--input', fixture.file, '--format', 'sarif']);
    const log = JSON.parse(sarif.stdout) as { version: string; runs: { results: { level: string }[] }[] };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]!.results.map((r) => r.level).sort()).toEqual(['error', 'error', 'warning', 'warning', 'warning', 'warning']);

    const markdown = await shipshape(['--config', config, 'scan', 'report', '--tool', 'trivy', '--input', fixture.file, '--format', 'markdown']);
    expect(markdown.stdout.startsWith('## Vulnerability scan: ')).toBe(true);

    const out = path.join(dir, 'nested', 'report.json');
    const written = await shipshape(['--config', config, 'scan', 'report', '--tool', 'trivy', '--input', fixture.file, '--format', 'json', '--output', out]);
    expect(written.code).toBe(0);
    expect(written.stdout).toContain(`Wrote the json report to ${out}`);
    expect((JSON.parse(await readFile(out, 'utf8')) as ScanReport).summary.counts).toEqual(counts);
  });

  it('takes failOn and ignore rules from the configuration', async () => {
    const dir = await tempDir();
    const config = path.join(dir, 'security.yaml');
    await writeFile(
      config,
      ['scan:', '  tools: [{ name: trivy, failOn: critical }]', '  ignore:', '    - { id: CVE-2019-14697, package: musl, reason: "musl is not used at run time" }', ''].join('\n'),
    );
    const input = path.join(fixturesDir(), 'trivy', 'alpine-3.9.trivy.json');
    const result = await shipshape(['--config', config, '--output', 'json', 'scan', 'report', '--tool', 'trivy', '--input', input]);
    // Two criticals: CVE-2019-14697 in musl and in musl-utils; the rule covers musl only.
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as ScanReport;
    expect(report.summary).toMatchObject({ ignored: 1, counts: { critical: 1 } });
    expect(report.policy.failures).toEqual(['trivy: 1 finding at or above critical (1 critical); failOn is critical']);
  });

  it('refuses a report of the other tool, a missing file and a bad severity with one line each, exit 2', async () => {
    const trivyReport = path.join(fixturesDir(), 'trivy', 'alpine-3.10.trivy.json');
    const wrong = await shipshape(['scan', 'report', '--tool', 'grype', '--input', trivyReport]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(`error: ${trivyReport}: this is a trivy report, not a grype one\n  hint: pass --tool trivy\n`);

    const missing = await shipshape(['scan', 'report', '--tool', 'grype', '--input', '/nonexistent/report.json']);
    expect(missing).toMatchObject({ code: 2, stderr: 'error: cannot read the report /nonexistent/report.json: it does not exist\n' });

    const severity = await shipshape(['scan', 'report', '--tool', 'grype', '--input', trivyReport, '--fail-on', 'severe']);
    expect(severity.code).toBe(2);
    expect(severity.stderr).toMatch(/option '--fail-on <severity>' argument 'severe' is invalid\. expected one of negligible, low, medium, high, critical/);

    const dir = await tempDir();
    const broken = path.join(dir, 'broken.json');
    await writeFile(broken, '{"matches": [{"vulnerability": {}}]}');
    const invalid = await shipshape(['scan', 'report', '--tool', 'grype', '--input', broken]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toBe(`error: ${broken}: not a grype JSON report (grype -o json): matches.0.vulnerability.id: Invalid input: expected string, received undefined\n`);
  });
});

describe('shipshape image scan with the real trivy (no vulnerability database here)', () => {
  const image = fixtureImage('debian12');
  const trivyEnv = async () => ({ ...trivyTestEnv(), TRIVY_CACHE_DIR: await tempDir() });

  it('fail-open: exit 0 with a warning, and the output says NOT scanned — never "0 vulnerabilities"', async () => {
    const config = await emptyConfig();
    const text = await shipshape(['--config', config, 'image', 'scan', '--image', image.references.plain, '--tool', 'trivy', '--fail-on', 'critical'], await trivyEnv());
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/warning: trivy did not scan: trivy has no vulnerability database, so nothing was scanned/);
    expect(text.stderr).toMatch(/warning: no scanner produced a result: the target was NOT scanned for vulnerabilities/);
    expect(text.stdout).toContain('No results: no scanner produced a result, so the target was NOT scanned');
    expect(text.stdout).toContain('Policy: NOT SCANNED');
    expect(text.stdout).not.toMatch(/\b0 vulnerabilit|TOTAL/);

    const json = await shipshape(['--config', config, '--output', 'json', 'image', 'scan', '--image', image.references.plain, '--tool', 'trivy'], await trivyEnv());
    const report = JSON.parse(json.stdout) as ScanReport;
    expect(report.summary.scanned).toBe(false);
    expect(report.tools).toEqual([expect.objectContaining({ tool: 'trivy', status: 'failed', required: false, failure: expect.objectContaining({ reason: 'no-database' }) })]);
    expect(report.target).toEqual({ kind: 'image', reference: `${testEnv().registry}/${image.repository}@${image.digest}`, digest: image.digest });
  }, 120_000);

  it('fail-closed: a required trivy makes it exit 1 with the reason', async () => {
    const dir = await tempDir();
    const config = path.join(dir, 'security.yaml');
    await writeFile(config, 'scan:\n  tools:\n    - name: trivy\n      required: true\n');
    const result = await shipshape(['--config', config, 'image', 'scan', '--image', image.layoutReference], await trivyEnv());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: the scan policy failed:\n {2}- trivy \(required\) did not scan: trivy has no vulnerability database, so nothing was scanned/);
    expect(result.stdout).toContain('Policy: FAILED (no scanner produced a result)');
  }, 120_000);
});

describe('shipshape image scan with a stand-in grype', () => {
  const image = fixtureImage('debian12');
  const report = path.join(fixturesDir(), 'grype', 'debian10-check-all-fields.grype.json'); // 2 critical, 2 high, 1 negligible
  const env = testEnv();

  it('scans a TLS registry image by digest: credentials in GRYPE_REGISTRY_AUTH_*, CA in GRYPE_REGISTRY_CA_CERT, never printed', async () => {
    const grype = await standInGrype(report);
    const dir = await tempDir();
    const config = path.join(dir, 'security.yaml');
    await writeFile(config, `registries:\n  "${env.tlsRegistry}":\n    caFile: ${env.tlsCaFile}\n    username: ${env.tlsUsername}\n    password: env://TEST_REGISTRY_PASSWORD\n`);
    const result = await shipshape(['--config', config, '--verbose', 'image', 'scan', '--image', image.references.tls, '--tool', 'grype', '--fail-on', 'high'], {
      SHIPSHAPE_GRYPE_PATH: grype.executable,
      TEST_REGISTRY_PASSWORD: env.tlsPassword,
    });
    const run = await grype.lastRun();
    expect(run.args).toEqual([`registry:${env.tlsRegistry}/${image.repository}@${image.digest}`, '-o', 'json']);
    expect(run.env).toEqual({
      GRYPE_CHECK_FOR_APP_UPDATE: 'false',
      GRYPE_REGISTRY_CA_CERT: env.tlsCaFile,
      GRYPE_REGISTRY_AUTH_AUTHORITY: env.tlsRegistry,
      GRYPE_REGISTRY_AUTH_USERNAME: env.tlsUsername,
      GRYPE_REGISTRY_AUTH_PASSWORD: env.tlsPassword,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: the scan policy failed:\n  - grype: 4 findings at or above high (2 critical, 2 high); failOn is high');
    expect(result.stdout).toMatch(/grype 0\.74\.7 \(database v3 built 2021-12-24T08:14:02Z\)/);
    expect(result.stdout + result.stderr).not.toContain(env.tlsPassword);
  });

  it('scans an OCI layout as oci-dir: and an SBOM as sbom:, and judges a report grype exited non-zero on by its findings', async () => {
    // Exit status 2: what grype ≥ 0.80 does when its own fail-on (from a .grype.yaml) trips.
    const grype = await standInGrype(report, 2);
    const config = await emptyConfig();
    const layout = await shipshape(['--config', config, 'image', 'scan', '--image', image.layoutReference, '--tool', 'grype', '--fail-on', 'critical'], { SHIPSHAPE_GRYPE_PATH: grype.executable });
    expect((await grype.lastRun()).args).toEqual([`oci-dir:${image.layout}`, '-o', 'json']);
    expect(layout.code).toBe(1);

    const dir = await tempDir();
    const sbom = path.join(fixturesDir(), 'sbom', 'alpine.syft.spdx.json');
    const sarif = path.join(dir, 'scan.sarif');
    const fromSbom = await shipshape(['--config', config, 'image', 'scan', '--sbom', sbom, '--tool', 'grype', '--report', sarif, '--format', 'sarif'], { SHIPSHAPE_GRYPE_PATH: grype.executable });
    expect((await grype.lastRun()).args).toEqual([`sbom:${sbom}`, '-o', 'json']);
    expect(fromSbom.code).toBe(0); // no failOn: fail-open
    const log = JSON.parse(await readFile(sarif, 'utf8')) as { runs: { results: unknown[]; tool: { extensions: { name: string; version: string }[] } }[] };
    expect(log.runs[0]!.results).toHaveLength(5);
    expect(log.runs[0]!.tool.extensions).toEqual([{ name: 'grype', version: '0.74.7', informationUri: 'https://github.com/anchore/grype' }]);
  });

  it('needs exactly one of --image and --sbom, and a scanner', async () => {
    expect(await shipshape(['image', 'scan', '--tool', 'grype'])).toMatchObject({ code: 2, stderr: 'error: pass either --image REF or --sbom FILE\n' });
    const config = await emptyConfig();
    const none = await shipshape(['--config', config, 'image', 'scan', '--sbom', 'x.json']);
    expect(none).toMatchObject({ code: 2, stderr: 'error: no scanner is configured\n  hint: pass --tool grype or --tool trivy, or list scan.tools in security.yaml\n' });
  });
});
