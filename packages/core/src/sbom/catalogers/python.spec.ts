/**
 * Ground truth: Python's own reader of installed distributions (importlib.metadata) over this
 * machine's Debian dist-packages, and an egg-info file written by distutils itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { isPythonMetadataPath, parseCoreMetadata, pythonCataloger, pythonLicenses } from './python';
import { collectHostTree, HOST_LAYER, MemoryCollectedFiles, runCatalog } from './test-support/collect';

const DIST_PACKAGES = '/usr/lib/python3/dist-packages';

interface Distribution {
  metadataFile: string;
  name: string;
  version: string;
  license: string | null;
  expression: string | null;
  classifiers: string[];
}

/** importlib.metadata's view of a site directory. */
function distributions(site: string): Distribution[] {
  const script = `
import importlib.metadata as m, json, os, re, sys
out = []
for d in m.distributions(path=[sys.argv[1]]):
    base = str(d._path)
    meta = base if os.path.isfile(base) else os.path.join(base, 'METADATA' if base.endswith('dist-info') else 'PKG-INFO')
    md = d.metadata
    out.append(dict(metadataFile=meta, name=re.sub(r'[-_.]+', '-', md['Name']).lower(), version=d.version,
                    license=md.get('License'), expression=md.get('License-Expression'), classifiers=md.get_all('Classifier') or []))
print(json.dumps(out))
`;
  return JSON.parse(execFileSync('python3', ['-c', script, site], { encoding: 'utf8' })) as Distribution[];
}

describe('python cataloger', () => {
  it("lists what importlib.metadata finds in this machine's dist-packages", async () => {
    const expected = distributions(DIST_PACKAGES);
    expect(expected.length).toBeGreaterThan(0);
    const files = await collectHostTree(pythonCataloger, DIST_PACKAGES, DIST_PACKAGES);
    const { packages } = await runCatalog(pythonCataloger, files);

    const key = (x: { path: string }): string => x.path;
    const ours = packages.map((p) => ({ path: p.locations[0]?.path ?? '', name: p.name, version: p.version })).sort((a, b) => key(a).localeCompare(key(b)));
    const theirs = expected.map((d) => ({ path: d.metadataFile, name: d.name, version: d.version })).sort((a, b) => key(a).localeCompare(key(b)));
    expect(ours).toEqual(theirs);
    for (const pkg of packages) expect(pkg.purl).toBe(`pkg:pypi/${pkg.name}@${pkg.version}`);

    // Licences: License-Expression, else a License field that names one, else the trove classifiers.
    for (const d of expected) {
      const pkg = packages.find((p) => p.locations[0]?.path === d.metadataFile);
      const classifierNames = d.classifiers
        .filter((c) => c.startsWith('License ::') && c !== 'License :: OSI Approved')
        .map((c) => c.split('::').pop()?.trim() ?? '');
      const license = d.license && d.license !== 'UNKNOWN' && !d.license.includes('\n') && d.license.length <= 100 ? d.license : null;
      expect(pkg?.licenses).toEqual(d.expression ? [d.expression] : license ? [license] : [...new Set(classifierNames)]);
    }
  });

  it('reads an egg-info file as distutils writes it', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'shipshape-egg-'));
    try {
      writeFileSync(
        path.join(work, 'setup.py'),
        "from distutils.core import setup\nsetup(name='Shipshape_Demo.pkg', version='1.0.2', license='MIT', author='Shipshape Tests', py_modules=[])\n",
      );
      // The standard library's distutils (not setuptools') installs metadata as a single file.
      execFileSync('python3', ['-W', 'ignore', 'setup.py', '-q', 'install', '--root', path.join(work, 'root'), '--prefix', '/usr'], {
        cwd: work,
        env: { ...process.env, SETUPTOOLS_USE_DISTUTILS: 'stdlib' },
        stdio: 'pipe',
      });
      const files = await collectHostTree(pythonCataloger, path.join(work, 'root'), '/');
      const { packages } = await runCatalog(pythonCataloger, files);
      const sitePackages = path.join(work, 'root', path.posix.dirname(packages[0]?.locations[0]?.path ?? '/'));
      const expected = distributions(sitePackages);
      expect(packages).toHaveLength(1);
      expect(packages[0]).toMatchObject({
        name: 'shipshape-demo-pkg',
        version: '1.0.2',
        purl: 'pkg:pypi/shipshape-demo-pkg@1.0.2',
        licenses: ['MIT'],
        supplier: 'Shipshape Tests',
        type: 'python',
      });
      expect(expected.map((d) => [d.name, d.version])).toEqual([['shipshape-demo-pkg', '1.0.2']]);
      expect(packages[0]?.locations[0]?.path).toMatch(/^\/usr\/lib\/python3\.\d+\/site-packages\/Shipshape_Demo\.pkg-1\.0\.2-py3\.\d+\.egg-info$/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('takes only metadata files, keeps only their headers, and skips the interpreter and nameless entries', async () => {
    expect(isPythonMetadataPath('/usr/lib/python3/dist-packages/pip-23.0.1.dist-info/METADATA')).toBe(true);
    expect(isPythonMetadataPath('/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO')).toBe(true);
    expect(isPythonMetadataPath('/usr/lib/python2.7/lib-dynload/Python-2.7.18-py2.7.egg-info')).toBe(true);
    expect(isPythonMetadataPath('/usr/lib/python3/dist-packages/pip-23.0.1.dist-info/RECORD')).toBe(false);
    expect(isPythonMetadataPath('/usr/lib/python3/dist-packages/six-1.16.0.egg-info/top_level.txt')).toBe(false);

    const fields = parseCoreMetadata('Metadata-Version: 2.4\nName: x\nVersion: 1\nLicense: Line one\n        line two\nClassifier: License :: OSI Approved :: MIT License\nClassifier: License :: OSI Approved\n\nName: not-a-header\n');
    expect(fields.get('name')).toEqual(['x']);
    expect(fields.get('license')).toEqual(['Line one\nline two']);
    expect(pythonLicenses(fields)).toEqual(['MIT License']);

    const file = (p: string, text: string): { path: string; layerDigest: string; size: number; mode: number; content: Buffer } => ({
      path: p,
      layerDigest: HOST_LAYER,
      size: text.length,
      mode: 0o644,
      content: Buffer.from(text),
    });
    const files = new MemoryCollectedFiles([
      file('/usr/lib/python2.7/lib-dynload/Python-2.7.18-py2.7.egg-info', 'Metadata-Version: 1.0\nName: Python\nVersion: 2.7.18\n'),
      file('/x/broken.dist-info/METADATA', 'no headers here\n'),
      file('/x/ok.dist-info/METADATA', 'Metadata-Version: 2.4\nName: Ok_Pkg\nVersion: 2.0\nLicense-Expression: MIT OR Apache-2.0\nLicense: ignored\n'),
    ]);
    const { packages } = await runCatalog(pythonCataloger, files);
    expect(packages.map((p) => [p.name, p.licenses])).toEqual([['ok-pkg', ['MIT OR Apache-2.0']]]);
  });
});
