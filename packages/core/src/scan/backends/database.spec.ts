/**
 * Reading which vulnerability database a scanner has, without scanning (for the Nx cache key) — from
 * the outputs grype and trivy print: grype's `db status` (anchore/grype cmd/grype/cli/commands/db_status_test.go,
 * Apache-2.0), trivy's `version -f json` (aquasecurity/trivy pkg/version/version_test.go, Apache-2.0),
 * and the real trivy here, which has none.
 */
import { createLogger, MemorySink } from '../../exec/logger';
import { SecretRegistry } from '../../exec/secrets';
import { findTool } from '../../exec/find';
import { trivyTestEnv } from '../../sbom/backends/test-support/trivy';
import { grypeDatabaseFromStatus, readDatabase, trivyDatabaseFromVersion } from './database';

const FROM = 'https://grype.anchore.io/databases/v6/vulnerability-db_v6.0.2_2025-03-14T01:31:06Z_1741925227.tar.zst?checksum=sha256%3Ad4654e3b212f1d8a1aaab979599691099af541568d687c4a7c4e7c1da079b9b8';

describe('grype db status', () => {
  it('reads the JSON and the text form alike', () => {
    const expected = { version: 'v6.0.0 built 2024-11-27T14:43:17Z', schemaVersion: 'v6.0.0', built: '2024-11-27T14:43:17Z', source: FROM };
    const json = `{\n "schemaVersion": "6.0.0",\n "from": "${FROM}",\n "built": "2024-11-27T14:43:17Z",\n "path": "/Users/test/Library/Caches/grype/db/6/vulnerability.db",\n "valid": true\n}\n`;
    expect(grypeDatabaseFromStatus(json)).toEqual(expected);
    const text = `Path:      /Users/test/Library/Caches/grype/db/6/vulnerability.db\nSchema:    6.0.0\nBuilt:     2024-11-27T14:43:17Z\nFrom:      ${FROM}\nStatus:    valid\n`;
    expect(grypeDatabaseFromStatus(text)).toEqual(expected);
  });

  it('an invalid database is no database', () => {
    expect(grypeDatabaseFromStatus(`{"schemaVersion": "6.0.0", "built": "2024-11-27T14:43:17Z", "valid": false, "error": "checksum mismatch"}`)).toBeUndefined();
    expect(grypeDatabaseFromStatus('Schema:    6.0.0\nBuilt:     2024-11-27T14:43:17Z\nStatus:    invalid\n')).toBeUndefined();
    expect(grypeDatabaseFromStatus('')).toBeUndefined();
  });
});

describe('trivy version', () => {
  it('reads VulnerabilityDB', () => {
    const output = JSON.stringify({
      Version: 'dev',
      VulnerabilityDB: { Version: 2, NextUpdate: '2023-07-20T18:11:37.696263532Z', UpdatedAt: '2023-07-20T12:11:37.696263932Z', DownloadedAt: '2023-07-25T07:01:41.239158Z' },
      JavaDB: { Version: 1, NextUpdate: '2023-07-28T01:03:52.169192565Z', UpdatedAt: '2023-07-25T01:03:52.169192765Z', DownloadedAt: '2023-07-25T09:37:48.906152Z' },
    });
    expect(trivyDatabaseFromVersion(output)).toEqual({ version: 'v2 updated 2023-07-20T12:11:37.696263932Z', schemaVersion: 'v2', built: '2023-07-20T12:11:37.696263932Z' });
  });

  it('the real trivy here has none', async () => {
    const trivy = await findTool('trivy', { env: trivyTestEnv() });
    const logger = createLogger({ sink: new MemorySink(), secrets: new SecretRegistry() });
    expect(await readDatabase(trivy, { logger, trivyCacheDir: '/nonexistent/trivy-cache' })).toBeUndefined();
    expect(trivyDatabaseFromVersion('{"Version":"dev"}')).toBeUndefined();
  }, 60_000);
});
