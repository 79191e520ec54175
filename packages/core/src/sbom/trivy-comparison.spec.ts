/**
 * The native generator against the ground truth and against the real trivy, on the Debian 12 fixture:
 * - the deb components are exactly the 88 packages (name, version, architecture) of the dpkg status
 *   file the fixture was built from, and the npm components exactly what its package-lock.json installed;
 * - the package set (deb name+version+arch, npm name+version) equals what trivy reports for the same image;
 * - both our documents validate against their schemas.
 * The expectations are read from the fixture files here, never copied from our own output.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PackageURL } from 'packageurl-js';
import { createLogger, MemorySink } from '../exec/logger';
import { SecretRegistry } from '../exec/secrets';
import { openImage } from '../oci/open';
import { fixtureImage, fixturesDir, REPO_ROOT } from '../test-support/test-env';
import { generateWithTool } from './backends/run';
import { OFFLINE_TRIVY, trivyTestEnv } from './backends/test-support/trivy';
import { generateImageSboms } from './image-sbom';
import { cycloneDxProblems, spdxProblems } from './writers/test-support/validate';

const TIMEOUT = 240_000;

interface Component {
  type: string;
  name: string;
  version?: string;
  purl?: string;
}

/** `name version arch` of every installed package in a dpkg status file (stanzas separated by blank lines). */
function dpkgStatusPackages(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return text
    .split(/\n\s*\n/)
    .map((stanza) => Object.fromEntries([...stanza.matchAll(/^([A-Za-z-]+): ?(.*)$/gm)].map((m) => [m[1]!, m[2]!])))
    .filter((fields) => fields.Package && /install ok installed/.test(fields.Status ?? ''))
    .map((fields) => `${fields.Package} ${fields.Version} ${fields.Architecture}`)
    .sort();
}

/** `name@version` of the app and every package npm installed, from the lockfile. */
function lockfilePackages(file: string): string[] {
  const lock = JSON.parse(readFileSync(file, 'utf8')) as { packages: Record<string, { name?: string; version: string }> };
  return Object.entries(lock.packages)
    .map(([location, entry]) => `${entry.name ?? location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length)}@${entry.version}`)
    .sort();
}

/** Deb packages from purls: `name version arch`, the version with its epoch (trivy keeps the epoch in a qualifier). */
function debPackages(components: Component[], purlType: string): string[] {
  return components
    .filter((c) => c.type === 'library' && c.purl?.startsWith(`pkg:${purlType}/`))
    .map((c) => {
      const purl = PackageURL.fromString(c.purl!);
      const epoch = purl.qualifiers?.epoch;
      const version = epoch && !purl.version!.startsWith(`${epoch}:`) ? `${epoch}:${purl.version}` : purl.version;
      return `${purl.name} ${version} ${purl.qualifiers?.arch}`;
    })
    .sort();
}

function npmPackages(components: Component[]): string[] {
  return components
    .filter((c) => c.type === 'library' && c.purl?.startsWith('pkg:npm/'))
    .map((c) => {
      const purl = PackageURL.fromString(c.purl!);
      return `${purl.namespace ? `${purl.namespace}/` : ''}${purl.name}@${purl.version}`;
    })
    .sort();
}

describe('native SBOM of the Debian 12 fixture, against the fixture files and the real trivy', () => {
  const image = fixtureImage('debian12');
  const expectedDebs = dpkgStatusPackages(path.join(fixturesDir(), 'dpkg', 'bookworm-minbase.status'));
  const expectedNpm = lockfilePackages(path.join(REPO_ROOT, 'tools', 'test-env', 'fixtures', 'app', 'package-lock.json'));
  const logger = createLogger({ sink: new MemorySink(), secrets: new SecretRegistry() });
  let work: string;
  let native: { cyclonedx: string; spdx: string };
  let trivy: Component[];

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'shipshape-compare-'));
    const options = { tool: 'native' as const, logger, env: {}, cacheDir: path.join(work, 'layer-cache') };
    const [cyclonedx] = await generateImageSboms(openImage(image.layoutReference), { ...options, format: 'cyclonedx-json' });
    const [spdx] = await generateImageSboms(openImage(image.layoutReference), { ...options, format: 'spdx-json' });
    native = { cyclonedx: cyclonedx!.document, spdx: spdx!.document };
    const result = await generateWithTool('trivy', { kind: 'oci-dir', dir: image.layout, digest: image.digest }, 'cyclonedx-json', {
      logger,
      env: trivyTestEnv(),
      trivy: { ...OFFLINE_TRIVY, cacheDir: path.join(work, 'trivy-cache') },
    });
    trivy = (JSON.parse(result.document) as { components: Component[] }).components;
  }, TIMEOUT);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('lists exactly the 88 dpkg packages of the status file (name, version, architecture)', () => {
    expect(expectedDebs).toHaveLength(88);
    const components = (JSON.parse(native.cyclonedx) as { components: Component[] }).components;
    expect(debPackages(components, 'deb')).toEqual(expectedDebs);
  });

  it('lists the npm packages installed in /app with their versions', () => {
    const components = (JSON.parse(native.cyclonedx) as { components: Component[] }).components;
    expect(npmPackages(components)).toEqual(expectedNpm);
  });

  it('finds the same package set as trivy', () => {
    const ours = (JSON.parse(native.cyclonedx) as { components: Component[] }).components;
    // trivy finds no /etc/debian_version in the fixture, so it types the dpkg packages `pkg:none`.
    const trivyOsType = trivy.some((c) => c.purl?.startsWith('pkg:deb/')) ? 'deb' : 'none';
    expect(debPackages(ours, 'deb')).toEqual(debPackages(trivy, trivyOsType));
    expect(npmPackages(ours)).toEqual(npmPackages(trivy));
  });

  it('writes a CycloneDX document the 1.6 schema accepts and an SPDX document the 2.3 schema accepts', async () => {
    expect(await cycloneDxProblems(native.cyclonedx)).toEqual([]);
    expect(spdxProblems(native.spdx)).toEqual([]);
    const spdx = JSON.parse(native.spdx) as { packages: { externalRefs?: { referenceType: string; referenceLocator: string }[] }[] };
    const purls = spdx.packages.flatMap((p) => (p.externalRefs ?? []).filter((r) => r.referenceType === 'purl').map((r) => r.referenceLocator));
    expect(purls.filter((p) => p.startsWith('pkg:deb/'))).toHaveLength(88);
  });
});
