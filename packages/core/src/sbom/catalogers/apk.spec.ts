/**
 * No Alpine image or apk-tools can be had on this machine (Debian's archive has no apk-tools), so the
 * installed database is written from real data: the 15 apk packages syft found in a real Alpine 3.17
 * image (shared fixture sbom/alpine.syft.spdx.json, syft 1.22.0, Apache-2.0, ckotzbauer/sbom-operator),
 * with the files syft attributes to each, in the APK DB format (https://wiki.alpinelinux.org/wiki/Apk_spec).
 * The cataloger must give back what syft reported: names, versions, purls, licences, maintainers.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PackageURL } from 'packageurl-js';
import { fixturesDir } from '../../test-support/test-env';
import { apkCataloger, parseApkDatabase } from './apk';
import { detectDistro, osReleaseCataloger } from './os-release';
import { HOST_LAYER, MemoryCollectedFiles, runCatalog } from './test-support/collect';

interface SpdxDocument {
  packages: {
    SPDXID: string;
    name: string;
    versionInfo: string;
    supplier?: string;
    licenseDeclared?: string;
    description?: string;
    externalRefs?: { referenceType: string; referenceLocator: string }[];
  }[];
  files: { SPDXID: string; fileName: string; checksums: { algorithm: string; checksumValue: string }[] }[];
  relationships: { spdxElementId: string; relatedSpdxElement: string; relationshipType: string }[];
}

const sbom = JSON.parse(readFileSync(path.join(fixturesDir(), 'sbom', 'alpine.syft.spdx.json'), 'utf8')) as SpdxDocument;
const apkPackages = sbom.packages
  .map((p) => ({ ...p, purl: p.externalRefs?.find((r) => r.referenceType === 'purl')?.referenceLocator ?? '' }))
  .filter((p) => p.purl.startsWith('pkg:apk/'));

/** syft's SPDX writer wraps compound expressions in parentheses; the database holds them bare. */
const declared = (license: string | undefined): string => (license ?? '').replace(/^\((.*)\)$/, '$1');
const maintainer = (supplier: string | undefined): string | undefined =>
  supplier?.startsWith('Person: ') ? supplier.slice('Person: '.length) : undefined;

function installedDatabase(): string {
  const filesById = new Map(sbom.files.map((f) => [f.SPDXID, f]));
  return apkPackages
    .map((p) => {
      const qualifiers = (PackageURL.fromString(p.purl).qualifiers ?? {}) as Record<string, string>;
      const lines = [`C:Q1${'A'.repeat(27)}=`, `P:${p.name}`, `V:${p.versionInfo}`, `A:${qualifiers.arch}`, `S:4096`, `I:8192`];
      if (p.description) lines.push(`T:${p.description}`);
      lines.push(`L:${declared(p.licenseDeclared)}`, `o:${qualifiers.upstream ?? p.name}`);
      const m = maintainer(p.supplier);
      if (m) lines.push(`m:${m}`);
      // The package's files, as F: (directory) and R: (file) records with Z: (sha1, base64) checksums.
      const owned = sbom.relationships
        .filter((r) => r.spdxElementId === p.SPDXID && r.relationshipType === 'CONTAINS')
        .map((r) => filesById.get(r.relatedSpdxElement))
        .filter((f): f is SpdxDocument['files'][number] => f !== undefined);
      for (const file of owned) {
        const sha1 = file.checksums.find((c) => c.algorithm === 'SHA1')?.checksumValue ?? '';
        lines.push(`F:${path.posix.dirname(file.fileName)}`, `R:${path.posix.basename(file.fileName)}`, 'a:0:0:755');
        lines.push(`Z:Q1${Buffer.from(sha1, 'hex').toString('base64')}`);
      }
      return `${lines.join('\n')}\n`;
    })
    .join('\n');
}

const database = (text: string): { path: string; layerDigest: string; size: number; mode: number; content: Buffer } => ({
  path: '/lib/apk/db/installed',
  layerDigest: HOST_LAYER,
  size: Buffer.byteLength(text),
  mode: 0o644,
  content: Buffer.from(text),
});

describe('apk cataloger', () => {
  it('gives back the packages syft found in a real Alpine image, with the same purls, licences and maintainers', async () => {
    const osRelease = { path: '/etc/os-release', layerDigest: HOST_LAYER, size: 60, mode: 0o644, content: Buffer.from('NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.17.0_rc1\n') };
    const distro = detectDistro(new MemoryCollectedFiles([osRelease]));
    const files = new MemoryCollectedFiles([database(installedDatabase())]);
    const { packages, warnings } = await runCatalog(apkCataloger, files, { distro });

    expect(warnings).toEqual([]);
    expect(packages.map((p) => [p.name, p.version, p.purl])).toEqual(apkPackages.map((p) => [p.name, p.versionInfo, p.purl]));
    for (const [i, pkg] of packages.entries()) {
      const reference = apkPackages[i];
      expect(pkg.licenses).toEqual([declared(reference?.licenseDeclared)]);
      expect(pkg.supplier).toBe(maintainer(reference?.supplier));
      expect(pkg.architecture).toBe('x86_64');
      expect(pkg.locations).toEqual([{ path: '/lib/apk/db/installed', layerDigest: HOST_LAYER }]);
    }
    const sslClient = packages.find((p) => p.name === 'ssl_client');
    expect(sslClient?.sourceName).toBe('busybox');
    expect(sslClient?.supplier).toBeUndefined();
  });

  it('splits a licence list that is not an SPDX expression, as syft does', () => {
    const [entry] = parseApkDatabase('P:musl-utils\nV:1.2.3-r4\nL:MIT BSD GPL2+\n');
    expect(entry).toEqual({ name: 'musl-utils', version: '1.2.3-r4', license: 'MIT BSD GPL2+' });
    const files = new MemoryCollectedFiles([database('P:musl-utils\nV:1.2.3-r4\nA:x86_64\nL:MIT BSD GPL2+\no:musl\n')]);
    return runCatalog(apkCataloger, files, { distro: { id: 'alpine', versionId: '3.17.0' } }).then(({ packages }) => {
      expect(packages[0]?.licenses).toEqual(['MIT', 'BSD', 'GPL2+']);
      expect(packages[0]?.purl).toBe('pkg:apk/alpine/musl-utils@1.2.3-r4?arch=x86_64&distro=alpine-3.17.0&upstream=musl');
    });
  });

  it('without an os-release, names the release from /etc/apk/repositories', async () => {
    const repositories = 'https://dl-cdn.alpinelinux.org/alpine/v3.19/main\nhttps://dl-cdn.alpinelinux.org/alpine/v3.19/community\n';
    const files = new MemoryCollectedFiles([
      database('P:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\no:musl\n'),
      { path: '/etc/apk/repositories', layerDigest: HOST_LAYER, size: repositories.length, mode: 0o644, content: Buffer.from(repositories) },
    ]);
    expect(apkCataloger.wants('/etc/apk/repositories', { size: 100, mode: 0o644 })).not.toBe(false);
    expect(detectDistro(files)).toBeUndefined();
    const { packages } = await runCatalog(apkCataloger, files, {});
    expect(packages[0]?.purl).toBe('pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19');
    expect(osReleaseCataloger.wants('/lib/apk/db/installed', { size: 1, mode: 0o644 })).toBe(false);
  });
});
