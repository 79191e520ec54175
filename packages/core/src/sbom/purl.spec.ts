/**
 * Package URLs must be byte-for-byte what syft writes, since grype and other tools match on them.
 * Ground truth: real syft output (shared fixture sbom/alpine.syft.spdx.json, syft 1.22.0, Apache-2.0,
 * from ckotzbauer/sbom-operator) and the forms syft's own package tests expect.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PackageURL } from 'packageurl-js';
import { fixturesDir } from '../test-support/test-env';
import { apkPurl } from './catalogers/apk';
import { debPurl } from './catalogers/dpkg';
import { goPurl } from './catalogers/go';
import { npmPurl } from './catalogers/npm';
import { rpmPurl } from './catalogers/rpm';
import { formatPurl, purlEscape } from './purl';
import type { Distro } from './types';

interface SpdxPackage {
  name: string;
  versionInfo: string;
  externalRefs?: { referenceType: string; referenceLocator: string }[];
}

describe('package URLs as syft forms them', () => {
  it('forms the purl of every apk package in a real syft SBOM from its name, version, arch, origin and distro', () => {
    const sbom = JSON.parse(readFileSync(path.join(fixturesDir(), 'sbom', 'alpine.syft.spdx.json'), 'utf8')) as { packages: SpdxPackage[] };
    const apkPackages = sbom.packages
      .map((p) => ({ p, purl: p.externalRefs?.find((r) => r.referenceType === 'purl')?.referenceLocator }))
      .filter((x): x is { p: SpdxPackage; purl: string } => !!x.purl?.startsWith('pkg:apk/'));
    expect(apkPackages.length).toBe(15);

    for (const { p, purl } of apkPackages) {
      // The qualifiers' values come from an independent purl parser; the name and version from the SPDX fields.
      const parsed = PackageURL.fromString(purl);
      const qualifiers = (parsed.qualifiers ?? {}) as Record<string, string>;
      const distroValue = qualifiers.distro ?? '';
      const dash = distroValue.indexOf('-');
      const distro: Distro = { id: distroValue.slice(0, dash), versionId: distroValue.slice(dash + 1) };
      const formed = apkPurl({ name: p.name, version: p.versionInfo, architecture: qualifiers.arch, origin: qualifiers.upstream ?? p.name }, distro);
      expect(formed).toBe(purl);
    }
  });

  it('escapes versions like Go: "+" and an epoch\'s ":" are percent-encoded', () => {
    const bookworm: Distro = { id: 'debian', versionId: '12' };
    expect(debPurl({ name: 'bash', version: '5.2.15-2+b2', architecture: 'amd64' }, bookworm)).toBe(
      'pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12',
    );
    expect(
      debPurl({ name: 'libblkid1', version: '2.38.1-5+deb12u3', architecture: 'amd64', sourceName: 'util-linux', sourceVersion: '2.38.1-5+deb12u3' }, bookworm),
    ).toBe('pkg:deb/debian/libblkid1@2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12&upstream=util-linux%402.38.1-5%2Bdeb12u3');
    expect(debPurl({ name: 'login', version: '1:4.13+dfsg1-1+b1', architecture: 'amd64', sourceName: 'shadow' }, bookworm)).toBe(
      'pkg:deb/debian/login@1%3A4.13%2Bdfsg1-1%2Bb1?arch=amd64&distro=debian-12&upstream=shadow',
    );
    expect(purlEscape("a b!'()*~._-")).toBe('a%20b%21%27%28%29%2A~._-');
  });

  it('matches the deb forms syft expects: derivatives by ID_LIKE, no purl for other distributions', () => {
    expect(debPurl({ name: 'p', version: 'v' }, { id: 'debian', versionId: '11' })).toBe('pkg:deb/debian/p@v?distro=debian-11');
    expect(debPurl({ name: 'p', version: 'v', architecture: 'a' }, { id: 'ubuntu', versionId: '16.04', idLike: ['debian'] })).toBe(
      'pkg:deb/ubuntu/p@v?arch=a&distro=ubuntu-16.04',
    );
    expect(debPurl({ name: 'p', version: 'v', sourceName: 's', sourceVersion: '2.3' }, { id: 'debian', versionId: '11' })).toBe(
      'pkg:deb/debian/p@v?distro=debian-11&upstream=s%402.3',
    );
    expect(debPurl({ name: 'p', version: 'v' }, { id: 'fedora', versionId: '40' })).toBe('');
    expect(debPurl({ name: 'p', version: 'v' }, undefined)).toBe('');
  });

  it('matches the rpm forms syft expects: redhat namespace, epoch and upstream qualifiers, sorted', () => {
    expect(rpmPurl({ name: 'p', version: 'v', release: 'r' }, { id: 'rhel', versionId: '8.4' })).toBe('pkg:rpm/redhat/p@v-r?distro=rhel-8.4');
    expect(rpmPurl({ name: 'p', version: 'v', release: 'r', epoch: 1, arch: 'a' }, { id: 'centos', versionId: '7' })).toBe(
      'pkg:rpm/centos/p@v-r?arch=a&distro=centos-7&epoch=1',
    );
    expect(rpmPurl({ name: 'p', version: 'v', release: 'r' }, undefined)).toBe('pkg:rpm/p@v-r');
    expect(rpmPurl({ name: 'p', version: 'v', release: 'r', sourceRpm: 'sourcerpm' }, { id: 'rhel', versionId: '8.4' })).toBe(
      'pkg:rpm/redhat/p@v-r?distro=rhel-8.4&upstream=sourcerpm',
    );
    expect(rpmPurl({ name: 'p', version: 'v', release: 'r' }, { id: 'opensuse-leap', versionId: '15.5' })).toBe(
      'pkg:rpm/opensuse/p@v-r?distro=opensuse-leap-15.5',
    );
  });

  it('matches the golang and npm forms syft expects', () => {
    expect(goPurl('github.com/anchore/syft', 'v0.1.0')).toBe('pkg:golang/github.com/anchore/syft@v0.1.0');
    expect(goPurl('go.opencensus.io', 'v0.23.0')).toBe('pkg:golang/go.opencensus.io@v0.23.0');
    expect(goPurl('github.com/coreos/go-systemd/v22', 'v22.1.0')).toBe('pkg:golang/github.com/coreos/go-systemd/v22@v22.1.0');
    expect(goPurl('google.golang.org/genproto/googleapis/api/annotations', '')).toBe(
      'pkg:golang/google.golang.org/genproto/googleapis/api/annotations',
    );
    expect(goPurl('github.com/docker/docker', 'v24.0.7+incompatible')).toBe('pkg:golang/github.com/docker/docker@v24.0.7%2Bincompatible');
    expect(npmPurl('arborist', '2.6.2')).toBe('pkg:npm/arborist@2.6.2');
    expect(npmPurl('npmcli/arborist', '2.6.2')).toBe('pkg:npm/npmcli/arborist@2.6.2');
    expect(npmPurl('@npmcli/arborist', '2.6.2')).toBe('pkg:npm/%40npmcli/arborist@2.6.2');
    expect(npmPurl('@types/ms', '0.7.34')).toBe('pkg:npm/%40types/ms@0.7.34');
  });

  it('writes purls an independent purl parser reads back to the same components', () => {
    const purl = formatPurl({
      type: 'deb',
      namespace: 'debian',
      name: 'libc6',
      version: '2.36-9+deb12u4',
      qualifiers: { upstream: 'glibc@2.36-9+deb12u4', arch: 'amd64', distro: 'debian-12', empty: '' },
    });
    expect(purl).toBe('pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc%402.36-9%2Bdeb12u4');
    const parsed = PackageURL.fromString(purl);
    expect([parsed.type, parsed.namespace, parsed.name, parsed.version]).toEqual(['deb', 'debian', 'libc6', '2.36-9+deb12u4']);
    expect({ ...(parsed.qualifiers as Record<string, string>) }).toEqual({ arch: 'amd64', distro: 'debian-12', upstream: 'glibc@2.36-9+deb12u4' });
  });
});
