import { addProjectConfiguration, logger, readNxJson, readProjectConfiguration, updateNxJson, type TargetConfiguration, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { FsTree, flushChanges } from 'nx/src/generators/tree';
import { tempWorkspace } from '../../test-support/executor-context';
import { changedFiles, EXPECTED_TARGET_DEFAULTS } from '../../test-support/expected';
import { configurationGenerator } from './configuration';

const NX_CONTAINER_OUTPUT = '{workspaceRoot}/node_modules/.cache/nx-container/{projectName}';
const STEPS = ['image-digest', 'sbom', 'scan', 'image-sign', 'provenance', 'verify'];

/** The Shipshape targets the generator adds, for an image-digest with these extras. */
function shipshapeTargets(imageDigest: Partial<TargetConfiguration> = {}): Record<string, TargetConfiguration> {
  return {
    'image-digest': { executor: '@shipshape/nx:image-digest', ...imageDigest },
    sbom: { executor: '@shipshape/nx:sbom', dependsOn: ['image-digest'] },
    scan: { executor: '@shipshape/nx:scan', dependsOn: ['image-digest'] },
    'image-sign': { executor: '@shipshape/nx:image-sign', dependsOn: ['image-digest'] },
    provenance: { executor: '@shipshape/nx:provenance', dependsOn: ['image-digest', 'sbom', 'scan'] },
    verify: { executor: '@shipshape/nx:verify', dependsOn: ['image-digest', 'sbom', 'scan', 'image-sign', 'provenance'] },
    release: { executor: 'nx:noop', dependsOn: STEPS },
  };
}

function addPlugin(tree: Tree, plugin: string | { plugin: string; options: Record<string, unknown> }): void {
  const nxJson = readNxJson(tree)!;
  updateNxJson(tree, { ...nxJson, plugins: [...(nxJson.plugins ?? []), plugin] });
}

const targetsOf = (tree: Tree, project = 'api') => readProjectConfiguration(tree, project).targets;

describe('configuration generator', () => {
  let tree: Tree;
  let warnings: string[];
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    tree.delete('.oxfmtrc.json'); // no formatter in this workspace: formatFiles leaves the files as written
    addProjectConfiguration(tree, 'api', { root: 'apps/api', projectType: 'application', targets: {} });
    warnings = [];
    jest.spyOn(logger, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    jest.spyOn(logger, 'info').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('adds the chain and a release target to a project without a build target, and runs init', async () => {
    await configurationGenerator(tree, { project: 'api', image: '127.0.0.1:5000/team/api' });

    expect(targetsOf(tree)).toEqual(shipshapeTargets({ options: { image: '127.0.0.1:5000/team/api' } }));
    expect(readNxJson(tree)?.targetDefaults).toEqual({ build: { cache: true }, lint: { cache: true }, ...EXPECTED_TARGET_DEFAULTS });
    expect(tree.exists('security.yaml')).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('runs image-digest after an @nx-tools/nx-container build and declares its digest file as an output', async () => {
    const container: TargetConfiguration = {
      executor: '@nx-tools/nx-container:build',
      dependsOn: ['build'],
      options: { engine: 'docker', push: true, tags: ['127.0.0.1:5000/team/api:dev'] },
    };
    addProjectConfiguration(tree, 'web', { root: 'apps/web', targets: { container } });

    await configurationGenerator(tree, { project: 'web' });

    expect(targetsOf(tree, 'web')).toEqual({
      container: { ...container, outputs: [NX_CONTAINER_OUTPUT] },
      ...shipshapeTargets({ dependsOn: ['container'] }),
    });
    expect(warnings).toEqual([]);
  });

  it('warns when the nx-container build never pushes the image', async () => {
    addProjectConfiguration(tree, 'web', { root: 'apps/web', targets: { image: { executor: '@nx-tools/nx-container:build', options: { load: true } } } });

    await configurationGenerator(tree, { project: 'web' });

    expect(targetsOf(tree, 'web')?.['image-digest'].dependsOn).toEqual(['image']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('web:image does not push the image');
  });

  it('completes the target nx-container infers from the Dockerfile with the digest output', async () => {
    tree.write('apps/api/Dockerfile', 'FROM scratch\n');
    addPlugin(tree, { plugin: '@nx-tools/nx-container', options: { buildTargetName: 'docker-image' } });

    await configurationGenerator(tree, { project: 'api' });

    expect(targetsOf(tree)).toEqual({ 'docker-image': { outputs: [NX_CONTAINER_OUTPUT] }, ...shipshapeTargets({ dependsOn: ['docker-image'] }) });
  });

  it('runs image-digest after the docker:build target @nx/docker infers, and leaves that target alone', async () => {
    tree.write('apps/api/Dockerfile', 'FROM scratch\n');
    addPlugin(tree, '@nx/docker');

    await configurationGenerator(tree, { project: 'api', image: 'ghcr.io/acme/api' });

    expect(targetsOf(tree)).toEqual(shipshapeTargets({ dependsOn: ['docker:build'], options: { image: 'ghcr.io/acme/api' } }));
  });

  it('follows a renamed @nx/docker build target', async () => {
    tree.write('apps/api/Dockerfile', 'FROM scratch\n');
    addPlugin(tree, { plugin: '@nx/docker', options: { buildTarget: { name: 'image:build', args: ['--push'] } } });

    await configurationGenerator(tree, { project: 'api' });

    expect(targetsOf(tree)?.['image-digest'].dependsOn).toEqual(['image:build']);
  });

  it('ignores the docker plugins for a project without a Dockerfile', async () => {
    addPlugin(tree, '@nx/docker');

    await configurationGenerator(tree, { project: 'api' });

    expect(targetsOf(tree)?.['image-digest']).toEqual({ executor: '@shipshape/nx:image-digest' });
  });

  it('uses the build target named by --build-target', async () => {
    const push: TargetConfiguration = { command: 'docker buildx build --push -t ghcr.io/acme/api .' };
    addProjectConfiguration(tree, 'web', { root: 'apps/web', targets: { 'push-image': push } });

    await configurationGenerator(tree, { project: 'web', buildTarget: 'push-image', image: 'ghcr.io/acme/api' });

    expect(targetsOf(tree, 'web')).toEqual({ 'push-image': push, ...shipshapeTargets({ dependsOn: ['push-image'], options: { image: 'ghcr.io/acme/api' } }) });
  });

  it('refuses a --build-target the project does not have', async () => {
    await expect(configurationGenerator(tree, { project: 'api', buildTarget: 'docker' })).rejects.toThrow(
      'Project "api" has no target "docker" (its targets: none).',
    );
  });

  it('refuses an --image that is not an image reference', async () => {
    await expect(configurationGenerator(tree, { project: 'api', image: 'Team/API:latest' })).rejects.toThrow(/^--image: invalid image reference "Team\/API:latest"/);
  });

  it('changes nothing when run again', async () => {
    addProjectConfiguration(tree, 'web', { root: 'apps/web', targets: { container: { executor: '@nx-tools/nx-container:build', options: { push: true } } } });
    await configurationGenerator(tree, { project: 'web', image: 'ghcr.io/acme/web' });
    const first = changedFiles(tree);

    await configurationGenerator(tree, { project: 'web', image: 'ghcr.io/acme/web' });

    expect(changedFiles(tree)).toEqual(first);
  });

  it('completes existing Shipshape targets and keeps what the user set', async () => {
    addProjectConfiguration(tree, 'web', {
      root: 'apps/web',
      targets: {
        'image-digest': { executor: '@shipshape/nx:image-digest', dependsOn: ['push'], options: { insecureRegistries: ['registry.lan:5000'] } },
        release: { executor: 'nx:noop', dependsOn: ['e2e'] },
      },
    });

    await configurationGenerator(tree, { project: 'web', image: 'registry.lan:5000/web' });

    const targets = targetsOf(tree, 'web')!;
    expect(targets['image-digest']).toEqual({
      executor: '@shipshape/nx:image-digest',
      dependsOn: ['push'],
      options: { insecureRegistries: ['registry.lan:5000'], image: 'registry.lan:5000/web' },
    });
    expect(targets.release).toEqual({ executor: 'nx:noop', dependsOn: ['e2e', ...STEPS] });
  });

  it('leaves a target of another executor under one of its names alone, and says so', async () => {
    const release: TargetConfiguration = { executor: 'nx:run-commands', options: { command: 'semantic-release' } };
    addProjectConfiguration(tree, 'web', { root: 'apps/web', targets: { release } });

    await configurationGenerator(tree, { project: 'web' });

    expect(targetsOf(tree, 'web')?.release).toEqual(release);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('web already has a "release" target (nx:run-commands); left as it is');
  });

  it('only stages its changes: --dry-run lists them and writes nothing', async () => {
    const workspace = await tempWorkspace();
    try {
      await workspace.write('apps/api/project.json', JSON.stringify({ name: 'api', root: 'apps/api', targets: {} }));
      await workspace.write('.gitignore', 'node_modules\n');
      const onDisk = async () => Promise.all(['nx.json', 'apps/api/project.json', '.gitignore'].map((f) => readFile(path.join(workspace.root, f), 'utf8')));
      const before = await onDisk();
      const fsTree = new FsTree(workspace.root, false);

      await configurationGenerator(fsTree, { project: 'api' });

      const staged = fsTree.listChanges().map((c) => `${c.type} ${c.path}`);
      expect(staged.sort()).toEqual(['CREATE security.yaml', 'UPDATE .gitignore', 'UPDATE apps/api/project.json', 'UPDATE nx.json']);
      expect(await onDisk()).toEqual(before);

      // Without --dry-run, Nx writes the staged changes.
      flushChanges(workspace.root, fsTree.listChanges());
      const project = JSON.parse(await readFile(path.join(workspace.root, 'apps/api/project.json'), 'utf8'));
      expect(project.targets).toEqual(shipshapeTargets());
    } finally {
      await workspace.remove();
    }
  });
});
