/**
 * `image scan --attach`: the scanner's result as a signed in-toto attestation with cosign's vuln
 * predicate, attached to the image in the real test registry and read back verified. The scanner is
 * the stand-in grype (test-support/standin-grype.ts) replaying a real grype report (DefectDojo
 * unittests/scans/anchore_grype, BSD-3-Clause, via $SHIPSHAPE_FIXTURES).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { verifyAttestations } from '../attest/attestation';
import { runCli } from '../cli/main';
import { RegistryClient } from '../oci/registry/client';
import { RegistryRepository } from '../oci/registry/repository';
import { makeTestImage, pushTestImage } from '../test-support/images';
import { fixturesDir, testEnv } from '../test-support/test-env';
import { VULN_PREDICATE_TYPE, type CosignVulnPredicate } from './attestation';
import { standInGrype } from './test-support/standin-grype';

const env = testEnv();
const REPORT = path.join(fixturesDir(), 'grype', 'debian10-check-all-fields.grype.json');

it('attaches one signed vuln/v1 attestation per scanner, with the scanner, its database and its report', async () => {
  const client = new RegistryClient({ env: { HOME: '/nonexistent' } });
  try {
    const repository = `scan-attest/${Math.random().toString(36).slice(2, 10)}`;
    const store = new RegistryRepository(client, env.registry, repository);
    const image = await pushTestImage(store, makeTestImage(), 'v1');

    const dir = await mkdtemp(path.join(tmpdir(), 'shipshape-scan-attest-'));
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const keyFile = path.join(dir, 'signing.pem');
    await writeFile(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const config = path.join(dir, 'security.yaml');
    await writeFile(config, 'security: {}\n');
    const grype = await standInGrype(REPORT);

    let stdout = '';
    let stderr = '';
    const processEnv: NodeJS.ProcessEnv = { ...process.env, SHIPSHAPE_GRYPE_PATH: grype.executable, GITHUB_ACTIONS: '', GITLAB_CI: '', CIRCLECI: '', JENKINS_URL: '' };
    delete processEnv.GITHUB_STEP_SUMMARY;
    const code = await runCli(
      ['--config', config, 'image', 'scan', '--image', `${env.registry}/${repository}:v1`, '--tool', 'grype', '--attach', '--key', keyFile, '--signature-format', 'both'],
      { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: processEnv, cwd: dir },
    );
    expect(code).toBe(0);
    expect(stderr).toBe('scanning with grype 0.74.7…\n');
    expect(stdout).toContain(`Vulnerability scan of ${env.registry}/${repository}@${image.digest}`);
    expect(stdout).toMatch(/Attached the vulnerability attestation \(bundle\): .*\nAttached the vulnerability attestation \(legacy\): /);

    const verified = await verifyAttestations(store, image.digest, { kind: 'key', publicKeys: [pair.publicKey] }, VULN_PREDICATE_TYPE);
    expect(verified.verified.map((v) => v.format).sort()).toEqual(['bundle', 'legacy']);
    const statement = verified.verified[0]!.statement;
    expect(statement.subject).toEqual([{ name: `${env.registry}/${repository}`, digest: { sha256: image.digest.slice('sha256:'.length) } }]);
    const predicate = statement.predicate as CosignVulnPredicate;
    expect(Object.keys(predicate)).toEqual(['invocation', 'scanner', 'metadata']);
    expect(predicate.invocation).toEqual({ parameters: [`registry:${env.registry}/${repository}@${image.digest}`, '-o', 'json'], uri: '', event_id: '', 'builder.id': expect.stringMatching(/^https?:|^[a-z]+:/) });
    expect(predicate.scanner).toEqual({
      uri: 'pkg:github/anchore/grype@0.74.7',
      version: '0.74.7',
      db: { uri: '', version: 'v3 built 2021-12-24T08:14:02Z' },
      result: JSON.parse(await readFile(REPORT, 'utf8')),
    });
    expect(Date.parse(predicate.metadata.scanStartedOn)).toBeLessThanOrEqual(Date.parse(predicate.metadata.scanFinishedOn));
  } finally {
    client.close();
  }
});
