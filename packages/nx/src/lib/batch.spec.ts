/**
 * Nx batch mode: the real image-digest batch implementation over several projects against the
 * real test registry (what Nx's batch worker calls), and the scheduling rules of the batch frame
 * (dependencies inside a batch, skips after a failure, the concurrency bound). Needs the test
 * environment (tools/test.sh).
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import type { ExecutorContext, ProjectConfiguration, TaskGraph } from '@nx/devkit';
import { fixtureImage } from '../../../core/src/test-support/test-env';
import { batch as imageDigestBatch } from '../executors/image-digest/executor';
import type { ImageDigestExecutorOptions } from '../executors/image-digest/schema';
import { captureOutput, tempWorkspace, type TempWorkspace } from '../test-support/executor-context';
import { batchConcurrency, batchExecutor, type BatchTaskResult, type SinkExecutor } from './batch';

const debian = fixtureImage('debian12');
const multiarch = fixtureImage('multiarch');
const IMAGE_DIGEST_TARGET = { executor: '@shipshape/nx:image-digest', cache: false, outputs: ['{workspaceRoot}/dist/shipshape/{projectRoot}/image.json'] };

let workspace: TempWorkspace;
beforeEach(async () => {
  workspace = await tempWorkspace();
});
afterEach(() => workspace.remove());

/** The context Nx's batch worker gives a batch implementation: the whole workspace, no project of its own. */
function batchContext(root: string, projects: string[], target = 'image-digest'): ExecutorContext {
  const configurations: Record<string, ProjectConfiguration> = Object.fromEntries(projects.map((p) => [p, { name: p, root: `apps/${p}`, targets: { [target]: IMAGE_DIGEST_TARGET } }]));
  return {
    root,
    cwd: root,
    isVerbose: false,
    projectsConfigurations: { version: 2, projects: configurations },
    nxJsonConfiguration: {},
    projectGraph: {
      nodes: Object.fromEntries(projects.map((p) => [p, { name: p, type: 'app' as const, data: configurations[p] }])),
      dependencies: Object.fromEntries(projects.map((p) => [p, []])),
    },
  };
}

function taskGraph(projects: string[], target = 'image-digest', dependencies: Record<string, string[]> = {}): TaskGraph {
  const id = (p: string) => `${p}:${target}`;
  const tasks = Object.fromEntries(projects.map((p) => [id(p), { id: id(p), target: { project: p, target }, overrides: {}, outputs: [], cache: false, parallelism: true }]));
  return {
    roots: projects.filter((p) => !dependencies[p]?.length).map(id),
    tasks,
    dependencies: Object.fromEntries(projects.map((p) => [id(p), (dependencies[p] ?? []).map(id)])),
    continuousDependencies: Object.fromEntries(projects.map((p) => [id(p), []])),
  };
}

async function collect(results: AsyncGenerator<BatchTaskResult>): Promise<Map<string, BatchTaskResult['result']>> {
  const byTask = new Map<string, BatchTaskResult['result']>();
  for await (const { task, result } of results) byTask.set(task, result);
  return byTask;
}

describe('image-digest in batch mode', () => {
  it('resolves every project of the batch in one process, each with its own output and image.json', async () => {
    const projects = ['api', 'web', 'broken'];
    const inputs: Record<string, ImageDigestExecutorOptions> = {
      'api:image-digest': { image: debian.references.plain },
      'web:image-digest': { image: multiarch.references.plain },
      'broken:image-digest': { image: `${debian.references.plain.replace(/:[^:/]+$/, '')}:no-such-tag` },
    };
    const { result: results, stdout, stderr } = await captureOutput(() => collect(imageDigestBatch(taskGraph(projects), inputs, {}, batchContext(workspace.root, projects))));

    // Nothing on the shared terminal: Nx prints (and caches) each task's terminalOutput itself.
    expect(stdout).toEqual([]);
    expect(stderr).toEqual([]);
    expect(results.get('api:image-digest')).toMatchObject({ success: true, status: 'success' });
    expect(results.get('api:image-digest')?.terminalOutput).toMatch(new RegExp(`^api → .*@${debian.digest.slice(0, 19)}`));
    expect(results.get('web:image-digest')?.terminalOutput).toMatch(/^web → .*\(linux\/amd64, linux\/arm64\)/);
    expect(results.get('web:image-digest')?.terminalOutput).not.toContain('api');
    const broken = results.get('broken:image-digest');
    expect(broken).toMatchObject({ success: false, status: 'failure' });
    expect(broken?.terminalOutput).toMatch(/^error: broken: .*no-such-tag/);
    expect(broken?.terminalOutput).not.toMatch(/^\s+at /m);

    const written = JSON.parse(await readFile(path.join(workspace.root, 'dist/shipshape/apps/web/image.json'), 'utf8')) as { digest: string };
    expect(written.digest).toBe(multiarch.digest);
  });
});

describe('the batch frame', () => {
  /** An executor that records the order it ran in; `fail` names the projects whose task fails. */
  function recordingExecutor(fail: string[] = []) {
    const log: string[] = [];
    let running = 0;
    let mostAtOnce = 0;
    const executor: SinkExecutor<{ delayMs: number }> = async (options, context, sink) => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      log.push(`start ${context.projectName}`);
      await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      sink?.write('info', `${context.projectName} ran ${context.targetName}`);
      log.push(`end ${context.projectName}`);
      running -= 1;
      return { success: !fail.includes(context.projectName ?? '') };
    };
    return { executor, log, mostAtOnce: () => mostAtOnce };
  }

  const inputsFor = (projects: string[], delayMs = 20) => Object.fromEntries(projects.map((p) => [`${p}:step`, { delayMs }]));

  it('runs a dependency inside the batch first and skips the dependents of a failed task', async () => {
    const projects = ['base', 'app', 'lib', 'tool'];
    const { executor, log } = recordingExecutor(['lib']);
    const graph = taskGraph(projects, 'step', { app: ['base'], tool: ['lib'] });
    const results = await collect(batchExecutor(executor, 4)(graph, inputsFor(projects), { delayMs: 0 }, batchContext(workspace.root, projects, 'step')));

    expect(log.indexOf('start app')).toBeGreaterThan(log.indexOf('end base'));
    expect(results.get('app:step')).toMatchObject({ success: true, terminalOutput: 'app ran step\n' });
    expect(results.get('lib:step')).toMatchObject({ success: false, status: 'failure' });
    expect(results.get('tool:step')).toMatchObject({ success: false, status: 'skipped', terminalOutput: '' });
    expect(log).not.toContain('start tool');
  });

  it('never runs more tasks at once than its concurrency', async () => {
    const projects = Array.from({ length: 7 }, (_, i) => `p${i}`);
    const { executor, mostAtOnce } = recordingExecutor();
    const results = await collect(batchExecutor(executor, 3)(taskGraph(projects, 'step'), inputsFor(projects), { delayMs: 0 }, batchContext(workspace.root, projects, 'step')));
    expect([...results.values()].every((r) => r.success)).toBe(true);
    expect(results.size).toBe(7);
    expect(mostAtOnce()).toBe(3);
  });

  it('takes its concurrency from SHIPSHAPE_BATCH_CONCURRENCY, else the CPU count (computing steps) or a little more (registry-bound steps)', () => {
    expect(batchConcurrency('cpu', { SHIPSHAPE_BATCH_CONCURRENCY: '5' })).toBe(5);
    expect(batchConcurrency('cpu', {})).toBe(availableParallelism());
    expect(batchConcurrency('registry', { SHIPSHAPE_BATCH_CONCURRENCY: 'lots' })).toBe(Math.min(8, availableParallelism() + 2));
  });
});
