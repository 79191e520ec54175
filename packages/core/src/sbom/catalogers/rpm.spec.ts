/**
 * A real rpm database: tiny packages built with rpmbuild and recorded with `rpm --justdb` in an SQLite
 * rpmdb (Debian's rpm 4.18; tools/test-env installs it), read back with `rpm -qa` as the reference.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import { parseRpmHeader, RpmHeaderError } from './rpm-header';
import { rpmCataloger } from './rpm';
import { collectHostFiles, HOST_LAYER, MemoryCollectedFiles, runCatalog } from './test-support/collect';

const SPECS: Record<string, string> = {
  'shipshape-hello': `Name: shipshape-hello
Version: 1.2.3
Release: 4.el9
Epoch: 2
Summary: an empty package with an epoch
License: MIT AND Apache-2.0
Vendor: Shipshape Test
BuildArch: x86_64
%description
An empty package.
%files
`,
  'shipshape-data': `Name: shipshape-data
Version: 0.9
Release: 1
Summary: one data file
License: GPL-2.0-or-later
BuildArch: noarch
%description
One file.
%install
mkdir -p %{buildroot}/usr/share/shipshape
echo hello > %{buildroot}/usr/share/shipshape/data.txt
%files
/usr/share/shipshape/data.txt
`,
};

const RHEL = { id: 'rhel', versionId: '9.3', idLike: ['fedora'] };

describe('rpm cataloger', () => {
  let work: string;
  let dbFile: string;

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'shipshape-rpm-'));
    const top = path.join(work, 'rpmbuild');
    const dbPath = path.join(work, 'db');
    mkdirSync(dbPath);
    for (const [name, spec] of Object.entries(SPECS)) {
      const specFile = path.join(work, `${name}.spec`);
      writeFileSync(specFile, spec);
      execFileSync('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', '_build_id_links none', specFile], { stdio: 'pipe' });
    }
    const rpms = readdirSync(path.join(top, 'RPMS'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.rpm'))
      .map((f) => path.join(top, 'RPMS', f));
    execFileSync('rpm', ['--dbpath', dbPath, '--define', '_db_backend sqlite', '-i', '--justdb', '--nodeps', '--noscripts', ...rpms], { stdio: 'pipe' });
    dbFile = path.join(dbPath, 'rpmdb.sqlite');
  }, 120_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const query = (format: string): string[] =>
    execFileSync('rpm', ['--dbpath', path.dirname(dbFile), '--define', '_db_backend sqlite', '-qa', '--qf', `${format}\\n`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .sort();

  it('lists what rpm -qa lists, with syft versions, purls, licences, vendors and source rpms', async () => {
    const files = await collectHostFiles(rpmCataloger, [{ host: dbFile, image: '/var/lib/rpm/rpmdb.sqlite' }]);
    const { packages, warnings } = await runCatalog(rpmCataloger, files, { distro: RHEL });
    expect(warnings).toEqual([]);

    const ours = packages.map((p) => [p.name, p.version, p.architecture, p.licenses.join(','), p.metadata?.sourceRpm, p.supplier ?? '(none)'].join('|')).sort();
    const fromRpm = query('%{NAME}|%|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}|%{ARCH}|%{LICENSE}|%{SOURCERPM}|%{VENDOR}');
    expect(ours).toEqual(fromRpm);

    const hello = packages.find((p) => p.name === 'shipshape-hello');
    expect(hello).toMatchObject({
      version: '2:1.2.3-4.el9',
      purl: 'pkg:rpm/redhat/shipshape-hello@1.2.3-4.el9?arch=x86_64&distro=rhel-9.3&epoch=2&upstream=shipshape-hello-1.2.3-4.el9.src.rpm',
      sourceName: 'shipshape-hello',
      sourceVersion: '1.2.3-4.el9',
      licenses: ['MIT AND Apache-2.0'],
      locations: [{ path: '/var/lib/rpm/rpmdb.sqlite', layerDigest: HOST_LAYER }],
    });
    expect(packages.find((p) => p.name === 'shipshape-data')?.purl).toBe(
      'pkg:rpm/redhat/shipshape-data@0.9-1?arch=noarch&distro=rhel-9.3&upstream=shipshape-data-0.9-1.src.rpm',
    );
  });

  it('reads the database at /usr/lib/sysimage/rpm too', async () => {
    const files = await collectHostFiles(rpmCataloger, [{ host: dbFile, image: '/usr/lib/sysimage/rpm/rpmdb.sqlite' }]);
    const { packages } = await runCatalog(rpmCataloger, files, { distro: { id: 'fedora', versionId: '40' } });
    expect(packages.map((p) => p.purl.split('@')[0]).sort()).toEqual(['pkg:rpm/fedora/shipshape-data', 'pkg:rpm/fedora/shipshape-hello']);
  });

  it('skips a malformed header with a warning and still lists the rest', async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database(readFileSync(dbFile));
    const [row] = db.exec("SELECT hnum, blob FROM Packages");
    const firstBlob = row?.values[0]?.[1] as Uint8Array;
    const hnum = row?.values[0]?.[0] as number;
    // Point the NAME entry's data offset far past the data store.
    const hostile = Buffer.from(firstBlob);
    const entries = hostile.readUInt32BE(0);
    const nameEntry = Array.from({ length: entries }, (_, i) => 8 + i * 16).find((at) => hostile.readInt32BE(at) === 1000);
    expect(nameEntry).toBeDefined();
    hostile.writeInt32BE(0x7ffffff0, (nameEntry ?? 0) + 8);
    expect(() => parseRpmHeader(hostile)).toThrow(RpmHeaderError);
    expect(() => parseRpmHeader(hostile.subarray(0, 20))).toThrow(RpmHeaderError);
    db.run('UPDATE Packages SET blob = ? WHERE hnum = ?', [hostile, hnum]);
    const modified = Buffer.from(db.export());
    db.close();

    const files = new MemoryCollectedFiles([{ path: '/var/lib/rpm/rpmdb.sqlite', layerDigest: HOST_LAYER, size: modified.length, mode: 0o644, content: modified }]);
    const { packages, warnings } = await runCatalog(rpmCataloger, files, { distro: RHEL });
    expect(packages).toHaveLength(1);
    expect(warnings).toEqual(['/var/lib/rpm/rpmdb.sqlite: 1 malformed package header(s) skipped']);
  });

  it('warns, never throws, on a database that is not SQLite or was cut short', async () => {
    const whole = readFileSync(dbFile);
    const files = new MemoryCollectedFiles([
      { path: '/var/lib/rpm/rpmdb.sqlite', layerDigest: HOST_LAYER, size: whole.length, mode: 0o644, content: whole.subarray(0, 5000) },
    ]);
    const truncated = await runCatalog(rpmCataloger, files, { distro: RHEL });
    expect(truncated.packages).toEqual([]);
    expect(truncated.warnings).toEqual([expect.stringContaining('/var/lib/rpm/rpmdb.sqlite is larger than')]);

    const garbage = Buffer.from('this is not a database at all, just text that claims to be one');
    const broken = new MemoryCollectedFiles([{ path: '/var/lib/rpm/rpmdb.sqlite', layerDigest: HOST_LAYER, size: garbage.length, mode: 0o644, content: garbage }]);
    const result = await runCatalog(rpmCataloger, broken, { distro: RHEL });
    expect(result.packages).toEqual([]);
    expect(result.warnings).toEqual([expect.stringMatching(/^\/var\/lib\/rpm\/rpmdb\.sqlite cannot be read as an rpm SQLite database \(.+\); its RPM packages are not listed$/)]);
  });

  it('reports the Berkeley DB and NDB formats as not supported', async () => {
    expect(rpmCataloger.wants('/var/lib/rpm/Packages', { size: 10_000_000, mode: 0o644 })).toBe(16);
    const presence = (p: string): { path: string; layerDigest: string; size: number; mode: number; content: Buffer } => ({
      path: p,
      layerDigest: HOST_LAYER,
      size: 10_000_000,
      mode: 0o644,
      content: Buffer.alloc(16),
    });
    const bdb = await runCatalog(rpmCataloger, new MemoryCollectedFiles([presence('/var/lib/rpm/Packages')]), { distro: { id: 'centos', versionId: '7' } });
    expect(bdb.packages).toEqual([]);
    expect(bdb.warnings).toEqual([expect.stringContaining('/var/lib/rpm/Packages: Berkeley DB rpmdb not supported')]);
    const ndb = await runCatalog(rpmCataloger, new MemoryCollectedFiles([presence('/usr/lib/sysimage/rpm/Packages.db')]), {});
    expect(ndb.warnings).toEqual([expect.stringContaining('NDB rpmdb not supported')]);
  });
});
