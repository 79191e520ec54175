import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { logger, readNxJson, updateNxJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { loadConfig, readConfigFile } from '@shipshape/core';
import { initGenerator } from './init';
import { WORKSPACE_SECURITY_YAML } from './lib/security-yaml';
import { cachedStepDefault, changedFiles, EXPECTED_TARGET_DEFAULTS } from '../../test-support/expected';

describe('init generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    tree.delete('.oxfmtrc.json'); // no formatter in this workspace: formatFiles leaves the files as written
    jest.spyOn(logger, 'info').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('adds targetDefaults keyed by executor, next to the existing ones', async () => {
    await initGenerator(tree);

    expect(readNxJson(tree)?.targetDefaults).toEqual({
      build: { cache: true },
      lint: { cache: true },
      ...EXPECTED_TARGET_DEFAULTS,
    });
  });

  it('writes a security.yaml that core loads, with every feature off', async () => {
    await initGenerator(tree);
    expect(tree.read('security.yaml', 'utf-8')).toBe(WORKSPACE_SECURITY_YAML);

    const dir = await mkdtemp(path.join(tmpdir(), 'shipshape-init-'));
    try {
      await writeFile(path.join(dir, 'nx.json'), '{}');
      await writeFile(path.join(dir, 'security.yaml'), WORKSPACE_SECURITY_YAML);
      expect((await readConfigFile(path.join(dir, 'security.yaml'))).errors).toEqual([]);
      const { config, files } = await loadConfig({ cwd: dir });
      expect(files).toEqual([path.join(dir, 'security.yaml')]);
      expect([config.signing.enabled, config.signing.verify.enabled, config.sbom.enabled, config.scan.enabled, config.provenance.enabled]).toEqual([
        false,
        false,
        false,
        false,
        false,
      ]);
      expect(config.required).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves an existing security.yml alone', async () => {
    tree.write('security.yml', 'security:\n  sbom: { enabled: true }\n');
    await initGenerator(tree);

    expect(tree.exists('security.yaml')).toBe(false);
    expect(tree.read('security.yml', 'utf-8')).toBe('security:\n  sbom: { enabled: true }\n');
  });

  it('adds /dist/shipshape to .gitignore, unless dist is ignored already', async () => {
    tree.write('.gitignore', 'node_modules\n');
    await initGenerator(tree);
    expect(tree.read('.gitignore', 'utf-8')).toBe('node_modules\n\n# Shipshape results (image digests, SBOMs, scan reports)\n/dist/shipshape\n');

    const other = createTreeWithEmptyWorkspace();
    other.delete('.oxfmtrc.json');
    other.write('.gitignore', '# outputs\n/dist\n');
    await initGenerator(other);
    expect(other.read('.gitignore', 'utf-8')).toBe('# outputs\n/dist\n');
  });

  it('creates .gitignore when there is none', async () => {
    await initGenerator(tree);
    expect(tree.read('.gitignore', 'utf-8')).toBe('# Shipshape results (image digests, SBOMs, scan reports)\n/dist/shipshape\n');
  });

  it('keeps what the user set and only adds what is missing', async () => {
    const nxJson = readNxJson(tree)!;
    updateNxJson(tree, { ...nxJson, targetDefaults: { ...nxJson.targetDefaults, '@shipshape/nx:sbom': { cache: false, parallelism: false } } });

    await initGenerator(tree);

    const { cache, ...added } = cachedStepDefault('sbom');
    expect(cache).toBe(true);
    expect(readNxJson(tree)?.targetDefaults?.['@shipshape/nx:sbom']).toEqual({ cache: false, parallelism: false, ...added });
  });

  it('changes nothing when run again', async () => {
    await initGenerator(tree);
    const first = changedFiles(tree);

    await initGenerator(tree);

    expect(changedFiles(tree)).toEqual(first);
    expect(Object.keys(first).sort()).toEqual(['.gitignore', 'nx.json', 'package.json', 'security.yaml', 'tsconfig.base.json']);
  });
});
