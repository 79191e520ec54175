/**
 * Real Go binaries: Debian's skopeo, umoci and docker-registry (GOPATH builds by Go 1.19, installed by
 * tools/test-env), and esbuild from npm, built in module mode by Go 1.17 (the old pointer layout of the
 * build info) and by Go 1.20 (the inline layout, with VCS stamps). Expected values are read from the
 * files independently (the module info sits between fixed sentinels) or are known facts of the release.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Package } from '../types';
import { decodeInlineBlob, GoBuildInfoScanner, MODINFO_END, MODINFO_START } from './go-buildinfo';
import { goBinaryCataloger, packagesFromBuildInfo } from './go';
import { parseModInfo } from './go-modinfo';
import { chunkedStream, collectHostFiles, collectStream, HOST_LAYER, MemoryCollectedFiles, runCatalog } from './test-support/collect';
import { npmPackageFile } from './test-support/npm-binaries';

/** The module info text of a binary, found without any ELF or build-info parsing. */
function modinfoText(file: string): string {
  const bytes = readFileSync(file);
  const start = bytes.indexOf(MODINFO_START);
  const end = bytes.indexOf(MODINFO_END, start);
  return bytes.toString('utf8', start + MODINFO_START.length, end);
}

/** A Go 1.18+ binary's toolchain version: the first varint-prefixed string after the magic. */
function inlineGoVersion(file: string): string {
  const bytes = readFileSync(file);
  const at = bytes.indexOf(Buffer.from('\xff Go buildinf:', 'latin1'));
  return bytes.toString('utf8', at + 33, at + 33 + (bytes[at + 32] ?? 0));
}

async function catalogBinary(host: string, image: string): Promise<Package[]> {
  const files = await collectHostFiles(goBinaryCataloger, [{ host, image }]);
  return (await runCatalog(goBinaryCataloger, files)).packages;
}

describe('Go binary cataloger', () => {
  it.each([
    ['/usr/bin/skopeo', 'github.com/containers/skopeo/cmd/skopeo'],
    ['/usr/bin/umoci', 'github.com/opencontainers/umoci/cmd/umoci'],
    ['/usr/bin/docker-registry', 'github.com/docker/distribution/cmd/registry'],
  ])('names the main package of Debian GOPATH build %s and the Go that built it', async (binary, mainPath) => {
    expect(modinfoText(binary)).toContain(`path\t${mainPath}\n`);
    const goVersion = inlineGoVersion(binary);
    expect(goVersion).toMatch(/^go1\.\d+/);

    const packages = await catalogBinary(binary, binary);
    expect(packages.map((p) => [p.name, p.version, p.purl])).toEqual([
      [mainPath, '', `pkg:golang/${mainPath}`],
      ['stdlib', goVersion, `pkg:golang/stdlib@${goVersion.slice(2)}`],
    ]);
    expect(packages[1]).toMatchObject({ licenses: ['BSD-3-Clause'], cpes: [`cpe:2.3:a:golang:go:${goVersion.slice(2)}:-:*:*:*:*:*:*`] });
    expect(packages[0]?.metadata).toMatchObject({ goCompiledVersion: goVersion, mainModule: mainPath, architecture: 'amd64' });
    expect(packages.every((p) => p.type === 'go-module' && p.locations[0]?.path === binary)).toBe(true);
  });

  it('reads the pointer layout of a Go 1.17 module-mode binary (esbuild 0.13.15)', async () => {
    const binary = npmPackageFile('esbuild-linux-64@0.13.15', 'bin/esbuild');
    const text = modinfoText(binary);
    expect(text).toContain('mod\tgithub.com/evanw/esbuild\t(devel)\t\n');
    const dep = /^dep\tgolang\.org\/x\/sys\t(\S+)\t(\S+)$/m.exec(text);

    const packages = await catalogBinary(binary, '/usr/local/bin/esbuild');
    expect(packages.map((p) => [p.name, p.version, p.purl])).toEqual([
      ['github.com/evanw/esbuild', '', 'pkg:golang/github.com/evanw/esbuild'],
      ['golang.org/x/sys', dep?.[1], `pkg:golang/golang.org/x/sys@${dep?.[1]}`],
      // The release was built with Go 1.17.2 (the version string lives in rodata, before the build info).
      ['stdlib', 'go1.17.2', 'pkg:golang/stdlib@1.17.2'],
    ]);
    expect(packages[1]?.metadata).toMatchObject({ h1Digest: dep?.[2], mainModule: 'github.com/evanw/esbuild', goCompiledVersion: 'go1.17.2' });
  });

  it('reads the inline layout of a Go 1.20 module-mode binary and derives the main version from its VCS stamp (esbuild 0.19.12)', async () => {
    const binary = npmPackageFile('@esbuild/linux-x64@0.19.12', 'bin/esbuild');
    const text = modinfoText(binary);
    const revision = /^build\tvcs\.revision=(\w+)$/m.exec(text)?.[1] ?? '';
    const time = /^build\tvcs\.time=(\S+)$/m.exec(text)?.[1] ?? '';
    const dep = /^dep\tgolang\.org\/x\/sys\t(\S+)\t/m.exec(text)?.[1];
    // Go's pseudo-version: v0.0.0-<UTC yyyymmddhhmmss>-<12 hex of the revision>.
    const pseudo = `v0.0.0-${time.replace(/[-:TZ]/g, '')}-${revision.slice(0, 12)}`;

    const packages = await catalogBinary(binary, '/usr/local/bin/esbuild');
    expect(packages.map((p) => [p.name, p.version])).toEqual([
      ['github.com/evanw/esbuild', pseudo],
      ['golang.org/x/sys', dep],
      ['stdlib', inlineGoVersion(binary)],
    ]);
    expect(packages[0]?.purl).toBe(`pkg:golang/github.com/evanw/esbuild@${pseudo}`);
  });

  it('finds the same build info whatever the chunk boundaries, keeping only a small blob', async () => {
    for (const binary of [npmPackageFile('esbuild-linux-64@0.13.15', 'bin/esbuild'), '/usr/bin/umoci']) {
      const whole = readFileSync(binary);
      const results = new Set<string>();
      for (const chunkSize of [4099, 65_536, 1 << 20, whole.length]) {
        const scanner = new GoBuildInfoScanner();
        for await (const chunk of chunkedStream(whole, chunkSize)) scanner.push(chunk as Buffer);
        const blob = scanner.finish();
        expect(blob?.length).toBeLessThan(4096);
        results.add(JSON.stringify(decodeInlineBlob(blob ?? Buffer.alloc(0))));
      }
      expect(results.size).toBe(1);
      const decoded = JSON.parse([...results][0] ?? 'null') as { goVersion: string; modinfo: string };
      expect(parseModInfo(decoded.goVersion, decoded.modinfo).path).toMatch(/\/cmd\//);
    }
  });

  it('also reads a binary handed over whole instead of as the blob extract keeps', async () => {
    const whole = readFileSync('/usr/bin/umoci');
    const files = new MemoryCollectedFiles([{ path: '/usr/bin/umoci', layerDigest: HOST_LAYER, size: whole.length, mode: 0o755, content: whole }]);
    const { packages } = await runCatalog(goBinaryCataloger, files);
    expect(packages.map((p) => p.name)).toEqual(['github.com/opencontainers/umoci/cmd/umoci', 'stdlib']);
  });

  it('wants executables only, and keeps nothing of an ELF file that is not Go or of a script', async () => {
    const size = statSync('/usr/bin/dpkg').size;
    expect(goBinaryCataloger.wants('/usr/bin/dpkg', { size, mode: 0o755 })).not.toBe(false);
    expect(goBinaryCataloger.wants('/usr/share/doc/x', { size, mode: 0o644 })).toBe(false);
    expect(goBinaryCataloger.wants('/usr/bin/tiny', { size: 100, mode: 0o755 })).toBe(false);

    const dpkg = await collectStream(goBinaryCataloger, '/usr/bin/dpkg', chunkedStream(readFileSync('/usr/bin/dpkg'), 65_536), {
      size,
      mode: 0o755,
      layerDigest: HOST_LAYER,
    });
    expect(dpkg).toBeUndefined();
    const script = Buffer.concat([Buffer.from('#!/bin/sh\n'), Buffer.alloc(100_000, 0x23)]);
    expect(await collectStream(goBinaryCataloger, '/usr/bin/script', chunkedStream(script, 8192), { size: script.length, mode: 0o755, layerDigest: HOST_LAYER })).toBeUndefined();

    // A blob that is not build info is ignored by the catalog step.
    const junk = new MemoryCollectedFiles([{ path: '/usr/bin/junk', layerDigest: HOST_LAYER, size: 10, mode: 0o755, content: Buffer.from('junk') }]);
    expect((await runCatalog(goBinaryCataloger, junk)).packages).toEqual([]);
  });

  it('applies replacements and finds the main module of a `go build file.go` binary like syft', () => {
    const info = parseModInfo(
      'go1.22.1 X:boringcrypto',
      [
        'path\tcommand-line-arguments',
        'mod\tcommand-line-arguments\t(devel)\t',
        'dep\texample.com/app\t(devel)\t',
        'dep\texample.com/lib\tv1.2.3\th1:abc=',
        '=>\texample.com/fork\tv1.2.4\th1:def=',
        'dep\texample.com/local\tv0.1.0\t',
        '=>\t../local\t(devel)\t',
        'build\t-ldflags="-X example.com/app/version.Version=1.5.0"',
        'build\tGOARCH=arm64',
      ].join('\n'),
    );
    expect(info.settings.find((s) => s.key === '-ldflags')?.value).toBe('-X example.com/app/version.Version=1.5.0');
    const packages = packagesFromBuildInfo(info, { path: '/app', layerDigest: HOST_LAYER });
    expect(packages.map((p) => [p.name, p.version, p.purl, p.metadata?.h1Digest])).toEqual([
      // The one (devel) dependency is the main module; its version comes from -ldflags -X ...Version=.
      ['example.com/app', 'v1.5.0', 'pkg:golang/example.com/app@v1.5.0', undefined],
      ['example.com/fork', 'v1.2.4', 'pkg:golang/example.com/fork@v1.2.4', 'h1:def='],
      // Replaced by a local directory: the original path stays, the version is unknown.
      ['example.com/local', '', 'pkg:golang/example.com/local', undefined],
      ['stdlib', 'go1.22.1', 'pkg:golang/stdlib@1.22.1', undefined],
    ]);
    expect(packages[0]?.metadata).toMatchObject({ architecture: 'arm64', mainModule: 'example.com/app', goCompiledVersion: 'go1.22.1' });
  });
});
