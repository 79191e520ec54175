/**
 * Ground truth: the debian12 fixture image's /app, installed by `npm ci` from
 * tools/test-env/fixtures/app/package-lock.json (the lockfile says which package sits where, with which
 * version and licence), and the npm that ships with this Node.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fixtureImage, REPO_ROOT } from '../../test-support/test-env';
import { npmCataloger, npmLicenses, parsePackageJson } from './npm';
import { chunkedStream, collectHostTree, collectOciLayout, collectStream, HOST_LAYER, MemoryCollectedFiles, runCatalog } from './test-support/collect';

interface LockEntry {
  name?: string;
  version: string;
  license?: string;
}

describe('npm cataloger', () => {
  it('lists every package npm ci installed in the fixture image /app, and the app itself', async () => {
    const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'tools', 'test-env', 'fixtures', 'app', 'package-lock.json'), 'utf8')) as {
      packages: Record<string, LockEntry>;
    };
    const expected = Object.entries(lock.packages)
      .map(([where, entry]) => ({
        path: where === '' ? '/app/package.json' : `/app/${where}/package.json`,
        name: where === '' ? (entry.name ?? '') : where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length),
        version: entry.version,
        licenses: entry.license ? [entry.license] : [],
      }))
      .sort((a, b) => a.path.localeCompare(b.path));
    expect(expected.map((e) => `${e.name}@${e.version}`)).toEqual(
      expect.arrayContaining(['debug@4.3.4', 'ms@2.1.2', 'ms@2.1.3', 'is-number@7.0.0', 'minimist@1.2.5', '@types/ms@0.7.34', 'shipshape-fixture-app@1.0.0']),
    );

    const image = fixtureImage('debian12');
    const { packages, warnings } = await runCatalog(npmCataloger, await collectOciLayout(npmCataloger, image.layout));
    expect(warnings).toEqual([]);
    const ours = packages
      .map((p) => ({ path: p.locations[0]?.path ?? '', name: p.name, version: p.version, licenses: p.licenses }))
      .sort((a, b) => a.path.localeCompare(b.path));
    expect(ours).toEqual(expected);

    const typesMs = packages.find((p) => p.name === '@types/ms');
    expect(typesMs?.purl).toBe('pkg:npm/%40types/ms@0.7.34');
    expect(typesMs?.type).toBe('npm');
    // /app is the image's second layer.
    expect(typesMs?.locations[0]?.layerDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(packages.find((p) => p.name === 'debug')?.supplier).toBe('Josh Junon <josh.junon@protonmail.com>');
  });

  it("reads the npm that ships with Node, including a package with the deprecated licenses array", async () => {
    const npmDir = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');
    const files = await collectHostTree(npmCataloger, npmDir, '/usr/lib/node_modules/npm');
    const { packages } = await runCatalog(npmCataloger, files);

    // Every package.json with a name and a version, and nothing else.
    const manifests = (readdirSync(npmDir, { recursive: true, encoding: 'utf8' }) as string[]).filter((f) => path.basename(f) === 'package.json');
    const named = manifests.filter((f) => {
      try {
        const json = JSON.parse(readFileSync(path.join(npmDir, f), 'utf8')) as { name?: unknown; version?: unknown };
        return typeof json.name === 'string' && json.name !== '' && typeof json.version === 'string' && json.version !== '';
      } catch {
        return false;
      }
    });
    expect(packages).toHaveLength(named.length);
    expect(packages.find((p) => p.name === 'npm')?.version).toBe(JSON.parse(readFileSync(path.join(npmDir, 'package.json'), 'utf8')).version);
    const qrcode = packages.find((p) => p.name === 'qrcode-terminal');
    expect(qrcode?.licenses).toEqual(['Apache 2.0']);
  });

  it('reads licence fields in all their forms and skips package.json files that are not packages', async () => {
    expect(npmLicenses({ license: 'MIT' })).toEqual(['MIT']);
    expect(npmLicenses({ license: '(MIT OR Apache-2.0)' })).toEqual(['(MIT OR Apache-2.0)']);
    expect(npmLicenses({ license: { type: 'BSD-3-Clause' } })).toEqual(['BSD-3-Clause']);
    expect(npmLicenses({ licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] })).toEqual(['MIT', 'Apache-2.0']);
    expect(npmLicenses({})).toEqual([]);
    expect(parsePackageJson('{"name": 3, "version": "1.0.0", "license": ["odd"]}')).toEqual({ version: '1.0.0' });
    expect(parsePackageJson('[1, 2]')).toBeUndefined();
    expect(parsePackageJson('{not json')).toBeUndefined();

    const file = (p: string, text: string): { path: string; layerDigest: string; size: number; mode: number; content: Buffer } => ({
      path: p,
      layerDigest: HOST_LAYER,
      size: text.length,
      mode: 0o644,
      content: Buffer.from(text),
    });
    const files = new MemoryCollectedFiles([
      file('/app/node_modules/x/package.json', '{"name":"x","version":"1.0.0"}'),
      file('/app/node_modules/x/esm/package.json', '{"type":"module"}'),
      file('/app/node_modules/y/package.json', '{"name":"y"}'),
      file('/app/node_modules/z/package.json', '{broken'),
    ]);
    const { packages } = await runCatalog(npmCataloger, files);
    expect(packages.map((p) => p.name)).toEqual(['x']);
  });

  it('keeps only the fields it needs of a package.json, and nothing of one beyond its size limit', async () => {
    const real = readFileSync(path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'package.json'));
    const kept = await collectStream(npmCataloger, '/usr/lib/node_modules/npm/package.json', chunkedStream(real, 100), {
      size: real.length,
      mode: 0o644,
      layerDigest: HOST_LAYER,
    });
    expect(kept?.content.length).toBeLessThan(real.length);
    expect(parsePackageJson(kept?.content ?? '')?.name).toBe('npm');

    const huge = Buffer.concat([Buffer.from('{"name":"big","version":"1.0.0","readme":"'), Buffer.alloc(5 * 1024 * 1024, 0x61), Buffer.from('"}')]);
    const dropped = await collectStream(npmCataloger, '/app/node_modules/big/package.json', chunkedStream(huge, 64 * 1024), {
      size: huge.length,
      mode: 0o644,
      layerDigest: HOST_LAYER,
    });
    const { packages, warnings } = await runCatalog(npmCataloger, new MemoryCollectedFiles(dropped ? [dropped] : []));
    expect(packages).toEqual([]);
    expect(warnings).toEqual([`/app/node_modules/big/package.json: larger than ${4 * 1024 * 1024} bytes; not read`]);
  });
});
