/**
 * The backends against real executables: the real trivy on the Debian 12 fixture (OCI layout, the plain
 * loopback registry, and the TLS registry with basic auth and a private CA), and for syft — not installed
 * here — a stand-in executable that records what it was given, to prove arguments, environment and the
 * document travel as they should.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ShipshapeError } from '../../errors';
import { createLogger, MemorySink } from '../../exec/logger';
import { SecretRegistry } from '../../exec/secrets';
import { makeToolDir, type ToolDir } from '../../exec/test-support/fake-tools';
import { parseReference, type RegistryReference } from '../../oci/reference';
import { RegistryClient } from '../../oci/registry/client';
import { fixtureImage, testEnv } from '../../test-support/test-env';
import { registryAccessFor } from './registry-access';
import { generateWithTool } from './run';
import type { ToolImageSource } from './source';
import { OFFLINE_TRIVY, trivyTestEnv } from './test-support/trivy';

const TRIVY_TIMEOUT = 240_000;

interface CdxDoc {
  bomFormat: string;
  metadata: { component: { name: string; purl?: string } };
  components: { name: string; version?: string; purl?: string; type: string }[];
}

function verboseLogger() {
  const sink = new MemorySink();
  return { sink, logger: createLogger({ verbose: true, sink, secrets: new SecretRegistry() }) };
}

describe('trivy backend (the real trivy)', () => {
  const image = fixtureImage('debian12');
  let cacheDir: string;
  beforeAll(() => {
    cacheDir = mkdtempSync(path.join(tmpdir(), 'shipshape-trivy-cache-'));
  });
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  it(
    'catalogs the OCI layout of the Debian 12 fixture into CycloneDX that parses: 88 dpkg packages and the npm packages',
    async () => {
      const { logger } = verboseLogger();
      const source: ToolImageSource = { kind: 'oci-dir', dir: image.layout, digest: image.digest };
      const result = await generateWithTool('trivy', source, 'cyclonedx-json', { logger, env: trivyTestEnv(), trivy: { ...OFFLINE_TRIVY, cacheDir } });
      expect(result.tool).toBe('trivy');
      const doc = JSON.parse(result.document) as CdxDoc;
      expect(doc.bomFormat).toBe('CycloneDX');
      const libraries = doc.components.filter((c) => c.type === 'library');
      // trivy finds no /etc/debian_version in the fixture and so types the dpkg packages pkg:none.
      expect(libraries.filter((c) => !c.purl?.startsWith('pkg:npm/'))).toHaveLength(88);
      expect(libraries.filter((c) => c.purl?.startsWith('pkg:npm/')).map((c) => `${c.name}@${c.version}`)).toEqual(expect.arrayContaining(['debug@4.3.4', 'ms@2.1.3']));
    },
    TRIVY_TIMEOUT,
  );

  it(
    'scans the image by digest in the plain-HTTP loopback registry (SPDX)',
    async () => {
      const { logger } = verboseLogger();
      const reference = parseReference(`${testEnv().registry}/${image.repository}@${image.digest}`) as RegistryReference;
      // No Docker config (an empty directory): the anonymous registry needs no credentials.
      const noDockerConfig = { DOCKER_CONFIG: cacheDir };
      const client = new RegistryClient({ env: noDockerConfig });
      try {
        const access = await registryAccessFor(client, reference, noDockerConfig);
        expect(access).toEqual({ host: testEnv().registry, plainHttp: true });
        const source: ToolImageSource = { kind: 'registry', reference: `${reference.registry}/${reference.repository}@${image.digest}`, access };
        const result = await generateWithTool('trivy', source, 'spdx-json', { logger, env: trivyTestEnv(), trivy: { ...OFFLINE_TRIVY, cacheDir } });
        const doc = JSON.parse(result.document) as { spdxVersion: string; name: string; packages: unknown[] };
        expect(doc.spdxVersion).toBe('SPDX-2.3');
        expect(doc.name).toContain(image.digest);
        expect(doc.packages.length).toBeGreaterThan(88);
      } finally {
        client.close();
      }
    },
    TRIVY_TIMEOUT,
  );

  it(
    'scans the TLS registry with basic auth from Docker config.json and the private CA, the password never logged',
    async () => {
      const env = testEnv();
      const { sink, logger } = verboseLogger();
      const reference = parseReference(`${env.tlsRegistry}/${image.repository}@${image.digest}`) as RegistryReference;
      const client = new RegistryClient({ hosts: { [env.tlsRegistry]: { caFile: env.tlsCaFile } }, env: { DOCKER_CONFIG: env.dockerConfigDir } });
      try {
        const access = await registryAccessFor(client, reference, { DOCKER_CONFIG: env.dockerConfigDir });
        expect(access).toEqual({ host: env.tlsRegistry, caFile: env.tlsCaFile, credentials: { username: env.tlsUsername, password: env.tlsPassword } });
        const source: ToolImageSource = { kind: 'registry', reference: `${reference.registry}/${reference.repository}@${image.digest}`, access };
        const result = await generateWithTool('trivy', source, 'cyclonedx-json', { logger, env: trivyTestEnv(), trivy: { ...OFFLINE_TRIVY, cacheDir } });
        const doc = JSON.parse(result.document) as CdxDoc;
        expect(doc.metadata.component.purl).toContain(image.digest);
        expect(sink.text()).toContain('running');
        expect(sink.text()).not.toContain(env.tlsPassword);
      } finally {
        client.close();
      }
    },
    TRIVY_TIMEOUT,
  );

  it('fails with one clear line naming the tool when trivy is not installed', async () => {
    const { logger } = verboseLogger();
    const error = await generateWithTool('trivy', { kind: 'oci-dir', dir: image.layout }, 'cyclonedx-json', { logger, env: { PATH: '/nonexistent' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShipshapeError);
    expect((error as ShipshapeError).message).toMatch(/^trivy is not installed .*SHIPSHAPE_TRIVY_PATH/);
  });
});

describe('syft backend (a stand-in executable that records what it gets)', () => {
  const PASSWORD = 's3cret-registry-password';
  let tools: ToolDir;
  beforeEach(() => {
    tools = makeToolDir('shipshape-syft-');
  });
  afterEach(() => tools.remove());

  /** A syft that answers `version -o json`, records argv and SYFT_* env, prints `document` and leaks the password on stderr. */
  function fakeSyft(document: string): string {
    return tools.script(
      'syft',
      `const fs = require('fs');
const args = process.argv.slice(2);
if (args[0] === 'version') { console.log(JSON.stringify({ application: 'syft', version: '1.18.1' })); process.exit(0); }
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('SYFT_')));
fs.writeFileSync(${JSON.stringify(tools.file('record.json'))}, JSON.stringify({ args, env }));
process.stderr.write('authenticating with ' + (process.env.SYFT_REGISTRY_AUTH_PASSWORD || '') + '\\n');
process.stdout.write(${JSON.stringify(document)});`,
    );
  }

  const source: ToolImageSource = {
    kind: 'registry',
    reference: 'registry.example.com/team/app@sha256:ecfd979da9a00e353a0c6d6bedf982b26594baed9b1a0e4956a09d9ad051ce97',
    access: { host: 'registry.example.com', credentials: { username: 'ci', password: PASSWORD } },
  };

  it('passes the source and format as arguments, the password only in the environment, and returns the document', async () => {
    const document = JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [] });
    fakeSyft(document);
    const { sink, logger } = verboseLogger();
    const result = await generateWithTool('syft', source, 'cyclonedx-json', { logger, env: tools.env(), platform: 'linux/amd64' });
    expect(result).toEqual({ tool: 'syft', version: '1.18.1', document });
    const record = JSON.parse(readFileSync(tools.file('record.json'), 'utf8')) as { args: string[]; env: Record<string, string> };
    expect(record.args).toEqual(['scan', `registry:${source.kind === 'registry' ? source.reference : ''}`, '--output', 'cyclonedx-json', '--quiet', '--platform', 'linux/amd64']);
    expect(record.env).toMatchObject({
      SYFT_CHECK_FOR_APP_UPDATE: 'false',
      SYFT_REGISTRY_AUTH_AUTHORITY: 'registry.example.com',
      SYFT_REGISTRY_AUTH_USERNAME: 'ci',
      SYFT_REGISTRY_AUTH_PASSWORD: PASSWORD,
    });
    // syft printed the password; the log shows the line, masked.
    expect(sink.text()).toContain('authenticating with');
    expect(sink.text()).not.toContain(PASSWORD);
  });

  it('refuses output that is not the asked-for document, with a clear message', async () => {
    fakeSyft('{"spdxVersion":"SPDX-2.3"}');
    const { logger } = verboseLogger();
    await expect(generateWithTool('syft', source, 'cyclonedx-json', { logger, env: tools.env() })).rejects.toThrow('syft did not write a CycloneDX JSON document');
    fakeSyft('not json at all');
    await expect(generateWithTool('syft', source, 'spdx-json', { logger, env: tools.env() })).rejects.toThrow('syft wrote an SBOM that is not valid JSON');
  });
});
