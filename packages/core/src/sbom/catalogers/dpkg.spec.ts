/**
 * Ground truth: the shared fixture dpkg/bookworm-minbase.status (a real debootstrap minbase, 88
 * packages), this machine's own dpkg database read back with dpkg-query, and its copyright files.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fixtureImage, fixturesDir } from '../../test-support/test-env';
import { purlEscape } from '../purl';
import type { Package } from '../types';
import { dpkgCataloger } from './dpkg';
import { parseCopyrightLicenses } from './dpkg-copyright';
import { detectDistro, osReleaseCataloger } from './os-release';
import { collectHostFiles, collectHostTree, collectOciLayout, HOST_LAYER, MemoryCollectedFiles, runCatalog } from './test-support/collect';

const BOOKWORM = { id: 'debian', versionId: '12', versionCodename: 'bookworm' };

/** The installed packages of a status file, read without the cataloger's parser. */
function installedInStatusFile(text: string): { name: string; version: string; architecture: string }[] {
  return text
    .split(/\n\s*\n/)
    .filter((stanza) => /^Status: install ok installed$/m.test(stanza))
    .map((stanza) => ({
      name: /^Package: (.+)$/m.exec(stanza)?.[1] ?? '',
      version: /^Version: (.+)$/m.exec(stanza)?.[1] ?? '',
      architecture: /^Architecture: (.+)$/m.exec(stanza)?.[1] ?? '',
    }));
}

const nameVersionArch = (p: Package): { name: string; version: string; architecture: string } => ({
  name: p.name,
  version: p.version,
  architecture: p.architecture ?? '',
});

describe('dpkg cataloger', () => {
  const statusFile = path.join(fixturesDir(), 'dpkg', 'bookworm-minbase.status');

  it('lists exactly the 88 installed packages of a Debian 12 minbase status file', async () => {
    const files = await collectHostFiles(dpkgCataloger, [{ host: statusFile, image: '/var/lib/dpkg/status' }]);
    const { packages, warnings } = await runCatalog(dpkgCataloger, files, { distro: BOOKWORM });

    const expected = installedInStatusFile(readFileSync(statusFile, 'utf8'));
    expect(expected).toHaveLength(88);
    expect(packages.map(nameVersionArch)).toEqual(expected);
    expect(warnings).toEqual([]);

    const bash = packages.find((p) => p.name === 'bash');
    expect(bash).toMatchObject({
      type: 'deb',
      sourceName: 'bash',
      sourceVersion: '5.2.15-2',
      locations: [{ path: '/var/lib/dpkg/status', layerDigest: HOST_LAYER }],
    });
    expect(bash?.purl).toBe(`pkg:deb/debian/bash@${purlEscape(bash?.version ?? '')}?arch=amd64&distro=debian-12&upstream=bash%405.2.15-2`);
    const login = packages.find((p) => p.name === 'login');
    expect(login?.purl).toMatch(/^pkg:deb\/debian\/login@1%3A4\.13%2Bdfsg1-[^?]+\?arch=amd64&distro=debian-12&upstream=shadow$/);
  });

  it('reads the status file from the debian12 fixture image, distribution from its os-release', async () => {
    const layout = fixtureImage('debian12').layout;
    const distro = detectDistro(await collectOciLayout(osReleaseCataloger, layout));
    const files = await collectOciLayout(dpkgCataloger, layout);
    const { packages } = await runCatalog(dpkgCataloger, files, { distro });

    expect(packages.map(nameVersionArch)).toEqual(installedInStatusFile(readFileSync(statusFile, 'utf8')));
    for (const p of packages) expect(p.purl).toMatch(new RegExp(`^pkg:deb/debian/${purlEscape(p.name).replace(/[.+]/g, '\\$&')}@[^?]+\\?arch=${p.architecture}&distro=debian-12(&upstream=.+)?$`));
    expect(packages.find((p) => p.name === 'libstdc++6')?.purl).toMatch(/^pkg:deb\/debian\/libstdc%2B%2B6@/);
    // The status file is in the first layer: every package records that layer's digest.
    const layer = packages[0]?.locations[0]?.layerDigest;
    expect(layer).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(packages.every((p) => p.locations[0]?.layerDigest === layer)).toBe(true);
  });

  it("agrees with dpkg-query on this machine's database, with licences from the DEP-5 copyright files", async () => {
    const status = await collectHostFiles(dpkgCataloger, [{ host: '/var/lib/dpkg/status', image: '/var/lib/dpkg/status' }]);
    const docs = await collectHostTree(dpkgCataloger, '/usr/share/doc', '/usr/share/doc');
    const files = new MemoryCollectedFiles([...status.all(), ...docs.all()]);
    const { packages } = await runCatalog(dpkgCataloger, files, { distro: BOOKWORM });

    const fromDpkg = execFileSync('dpkg-query', ['-W', '-f', '${Package}\\t${Version}\\t${Architecture}\\t${db:Status-Want} ${db:Status-Status}\\n'], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .map((line) => line.split('\t'))
      .filter(([, , , status]) => !/^(deinstall|purge) /.test(status ?? '') && !/ (not-installed|config-files)$/.test(status ?? ''))
      .map(([name, version, architecture]) => ({ name, version, architecture }));
    const sort = <T extends { name: string; architecture: string }>(list: T[]): T[] =>
      [...list].sort((a, b) => `${a.name}:${a.architecture}`.localeCompare(`${b.name}:${b.architecture}`));
    expect(sort(packages.map(nameVersionArch))).toEqual(sort(fromDpkg as { name: string; version: string; architecture: string }[]));

    // Licences: zlib's copyright file declares exactly Zlib; glibc's is not machine-readable, so none.
    expect(packages.find((p) => p.name === 'zlib1g')?.licenses).toEqual(['Zlib']);
    expect(packages.find((p) => p.name === 'libc6')?.licenses).toEqual([]);
    const bash = packages.find((p) => p.name === 'bash');
    expect(bash?.licenses).toEqual(expect.arrayContaining(['GPL-3+']));
    expect(bash?.locations.map((l) => l.path)).toEqual(['/var/lib/dpkg/status', '/usr/share/doc/bash/copyright']);
    // Every licence reported is named in that package's copyright file.
    for (const pkg of packages) {
      if (pkg.licenses.length === 0) continue;
      const text = readFileSync(`/usr/share/doc/${pkg.name}/copyright`, 'utf8');
      for (const license of pkg.licenses) expect(text).toContain(license);
    }
    expect(packages.filter((p) => p.licenses.length > 0).length).toBeGreaterThan(packages.length / 2);
  });

  it('reads distroless status.d entries (control stanzas without Status) and ignores their md5sums', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shipshape-statusd-'));
    try {
      // What distroless writes: each package's control fields, one file per package.
      for (const name of ['base-files', 'tzdata']) {
        const control = execFileSync('dpkg-query', ['-s', name], { encoding: 'utf8' }).replace(/^Status: .*\n/m, '');
        writeFileSync(path.join(dir, name), control);
      }
      writeFileSync(path.join(dir, 'base-files.md5sums'), readFileSync('/var/lib/dpkg/info/base-files.md5sums'));
      const files = await collectHostTree(dpkgCataloger, dir, '/var/lib/dpkg/status.d');
      expect(files.all().map((f) => f.path)).toEqual(['/var/lib/dpkg/status.d/base-files', '/var/lib/dpkg/status.d/tzdata']);
      const { packages } = await runCatalog(dpkgCataloger, files, { distro: BOOKWORM });
      const version = (name: string): string => execFileSync('dpkg-query', ['-W', '-f', '${Version}', name], { encoding: 'utf8' });
      expect(packages.map((p) => [p.name, p.version])).toEqual([
        ['base-files', version('base-files')],
        ['tzdata', version('tzdata')],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('skips removed packages and warns about a status file cut at its size limit', async () => {
    const text = readFileSync(statusFile, 'utf8');
    const removed = text.replace(/^Status: install ok installed$/m, 'Status: deinstall ok config-files');
    const files = new MemoryCollectedFiles([
      { path: '/var/lib/dpkg/status', layerDigest: HOST_LAYER, size: removed.length * 2, mode: 0o644, content: Buffer.from(removed) },
    ]);
    const { packages, warnings } = await runCatalog(dpkgCataloger, files, { distro: BOOKWORM });
    expect(packages).toHaveLength(87);
    expect(warnings).toEqual([expect.stringContaining('/var/lib/dpkg/status is larger than')]);
  });

  it('keeps only licence lines of a copyright file and finds the same licences in them', async () => {
    const copyright = '/usr/share/doc/tar/copyright';
    const files = await collectHostFiles(dpkgCataloger, [{ host: copyright, image: copyright }]);
    const kept = files.get(copyright)?.content.toString('utf8') ?? '';
    const whole = readFileSync(copyright, 'utf8');
    expect(kept.length).toBeLessThan(whole.length / 2);
    expect(parseCopyrightLicenses(kept)).toEqual(parseCopyrightLicenses(whole));
    expect(parseCopyrightLicenses(whole)).toEqual(expect.arrayContaining(['GPL-3+']));
  });
});
