/** Synthetic catalog results for writer tests: every package type, licences of every kind, two layers. */
import type { CatalogResult, Package } from '../../types';

export const BASE_LAYER = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
export const APP_LAYER = 'sha256:2222222222222222222222222222222222222222222222222222222222222222';
export const BASE_DIFF_ID = 'sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
export const IMAGE_DIGEST = 'sha256:ecfd979da9a00e353a0c6d6bedf982b26594baed9b1a0e4956a09d9ad051ce97';

const deb = (name: string, version: string, arch: string, licenses: string[], extra: Partial<Package> = {}): Package => ({
  name,
  version,
  type: 'deb',
  purl: `pkg:deb/debian/${name}@${encodeURIComponent(version)}?arch=${arch}&distro=debian-12`,
  licenses,
  architecture: arch,
  supplier: 'Debian Bash Maintainers <bash@packages.debian.org>',
  locations: [{ path: '/var/lib/dpkg/status', layerDigest: BASE_LAYER }],
  ...extra,
});

export function samplePackages(): Package[] {
  return [
    deb('bash', '5.2.15-2+b2', 'amd64', ['GPL-3.0-or-later'], { sourceName: 'bash', sourceVersion: '5.2.15-2' }),
    deb('bsdutils', '1:2.38.1-5+deb12u3', 'amd64', ['BSD-4-Clause', 'GPL-2+', 'public-domain'], { sourceName: 'util-linux' }),
    deb('base-files', '12.4+deb12u5', 'amd64', [], { supplier: 'Santiago Vila <sanvila@debian.org>' }),
    {
      name: 'musl',
      version: '1.2.4-r2',
      type: 'apk',
      purl: 'pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1',
      licenses: ['MIT'],
      architecture: 'x86_64',
      supplier: 'Timo Teräs <timo.teras@iki.fi>',
      locations: [{ path: '/lib/apk/db/installed', layerDigest: BASE_LAYER }],
    },
    {
      name: 'openssl-libs',
      version: '1:3.0.7-27.el9',
      type: 'rpm',
      purl: 'pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&epoch=1&upstream=openssl-3.0.7-27.el9.src.rpm&distro=rhel-9.4',
      licenses: ['ASL 2.0'],
      architecture: 'x86_64',
      sourceName: 'openssl',
      sourceVersion: '3.0.7-27.el9',
      supplier: 'Red Hat, Inc.',
      locations: [{ path: '/var/lib/rpm/rpmdb.sqlite', layerDigest: BASE_LAYER }],
      cpes: ['cpe:2.3:a:openssl:openssl:3.0.7:*:*:*:*:*:*:*', 'cpe:2.3:a:redhat:openssl-libs:3.0.7:*:*:*:*:*:*:*'],
    },
    {
      name: '@types/ms',
      version: '0.7.34',
      type: 'npm',
      purl: 'pkg:npm/%40types/ms@0.7.34',
      licenses: ['MIT'],
      locations: [{ path: '/app/node_modules/@types/ms/package.json', layerDigest: APP_LAYER }],
    },
    // The same package in two places: two components, each with its own location.
    {
      name: 'ms',
      version: '2.1.3',
      type: 'npm',
      purl: 'pkg:npm/ms@2.1.3',
      licenses: ['MIT'],
      locations: [{ path: '/app/node_modules/ms/package.json', layerDigest: APP_LAYER }],
    },
    {
      name: 'ms',
      version: '2.1.3',
      type: 'npm',
      purl: 'pkg:npm/ms@2.1.3',
      licenses: ['MIT'],
      locations: [{ path: '/app/node_modules/other/node_modules/ms/package.json', layerDigest: APP_LAYER }],
    },
    {
      name: 'requests',
      version: '2.31.0',
      type: 'python',
      purl: 'pkg:pypi/requests@2.31.0',
      licenses: ['Apache-2.0'],
      supplier: 'Kenneth Reitz <me@kennethreitz.org>',
      locations: [{ path: '/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA', layerDigest: APP_LAYER }],
    },
    {
      name: 'github.com/spf13/cobra',
      version: 'v1.8.0',
      type: 'go-module',
      purl: 'pkg:golang/github.com/spf13/cobra@v1.8.0',
      licenses: [],
      locations: [{ path: '/usr/local/bin/app', layerDigest: APP_LAYER }],
      metadata: { goVersion: 'go1.22.1', mainModule: 'example.com/app', h1Digest: 'h1:7aJaZx1B85qltLMc546zn58BxxfZdR/W22ej9CFoEf0=' },
    },
    {
      name: 'log4j-core',
      version: '2.17.1',
      type: 'java-archive',
      purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1',
      licenses: ['Apache-2.0 OR MIT', 'BSD-3-Clause'],
      locations: [{ path: '/opt/app/lib/log4j-core-2.17.1.jar', layerDigest: APP_LAYER }],
      metadata: { groupId: 'org.apache.logging.log4j' },
    },
  ];
}

export function sampleResult(overrides: Partial<CatalogResult> = {}): CatalogResult {
  return {
    imageDigest: IMAGE_DIGEST,
    imageReference: `127.0.0.1:5000/shipshape/debian12@${IMAGE_DIGEST}`,
    platform: { os: 'linux', architecture: 'amd64' },
    distro: { id: 'debian', versionId: '12', versionCodename: 'bookworm', name: 'Debian GNU/Linux', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    packages: samplePackages(),
    layers: [
      { digest: BASE_LAYER, size: 1234, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', diffId: BASE_DIFF_ID },
      { digest: APP_LAYER, size: 567, mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' },
    ],
    warnings: [],
    ...overrides,
  };
}
