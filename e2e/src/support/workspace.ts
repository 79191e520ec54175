/**
 * A user's Nx workspace, made as a user makes one: `create-nx-workspace` from the npm registry, the
 * packed @shipshape/core and @shipshape/nx tarballs installed into it, projects with a project.json
 * each, and Shipshape's own generators. Commands run through the workspace's own binaries.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { run, type RunResult } from './exec';
import { parseNxTasks, type NxTask } from './nx-output';

/** The Nx version the repository pins (and create-nx-workspace must match). */
export const NX_VERSION = '23.2.1';

/** The Shipshape executors that run after image-digest, as the configuration generator names them. */
export const SHIPSHAPE_PREFIX = '@shipshape/nx:';

export interface NxRun extends RunResult {
  tasks: Map<string, NxTask>;
}

export class Workspace {
  constructor(
    readonly root: string,
    /** The environment every command in this workspace runs with (extended per call). */
    readonly env: NodeJS.ProcessEnv,
  ) {}

  path(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  async readJson<T>(file: string): Promise<T> {
    return JSON.parse(await readFile(this.path(file), 'utf8')) as T;
  }

  async writeJson(file: string, data: unknown): Promise<void> {
    await this.write(file, `${JSON.stringify(data, null, 2)}\n`);
  }

  async write(file: string, text: string): Promise<void> {
    await mkdir(path.dirname(this.path(file)), { recursive: true });
    await writeFile(this.path(file), text);
  }

  /** `nx <args>` with the workspace's own Nx; the tasks it ran or replayed are parsed from its output. */
  async nx(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}, allowFailure = false): Promise<NxRun> {
    const result = await run(this.path('node_modules', '.bin', 'nx'), [...args, '--outputStyle=static'], {
      cwd: this.root,
      env: { ...this.env, ...extraEnv },
      allowFailure,
    });
    return { ...result, tasks: parseNxTasks(result.output) };
  }

  /** `nx g <generator> <args>` (generators take no --outputStyle). */
  async generate(generator: string, args: readonly string[] = []): Promise<RunResult> {
    return run(this.path('node_modules', '.bin', 'nx'), ['g', generator, ...args, '--no-interactive'], { cwd: this.root, env: this.env });
  }

  /** The `shipshape` command installed from the packed @shipshape/core. */
  shipshape(args: readonly string[], allowFailure = false): Promise<RunResult> {
    return run(this.path('node_modules', '.bin', 'shipshape'), args, { cwd: this.root, env: this.env, allowFailure });
  }

  git(args: readonly string[]): Promise<RunResult> {
    return run('git', args, { cwd: this.root, env: { ...this.env, GIT_AUTHOR_NAME: 'e2e', GIT_AUTHOR_EMAIL: 'e2e@example.com', GIT_COMMITTER_NAME: 'e2e', GIT_COMMITTER_EMAIL: 'e2e@example.com' } });
  }

  /** The executors the installed @shipshape/nx declares (its executors.json). */
  async declaredExecutors(): Promise<Set<string>> {
    const file = await this.readJson<{ executors: Record<string, unknown> }>('node_modules/@shipshape/nx/executors.json');
    return new Set(Object.keys(file.executors));
  }

  /** A project's targets as Nx resolves them (targetDefaults merged): executor and whether it is cached. */
  async resolvedTargets(project: string): Promise<Record<string, { executor?: string; cache?: boolean }>> {
    const result = await run(this.path('node_modules', '.bin', 'nx'), ['show', 'project', project, '--json'], { cwd: this.root, env: this.env });
    return (JSON.parse(result.stdout) as { targets: Record<string, { executor?: string; cache?: boolean }> }).targets;
  }
}

/**
 * `create-nx-workspace@NX_VERSION` (apps preset: an empty npm-workspaces monorepo), without Nx
 * Cloud, git, AI-agent files, formatter or linter. npm's cache keeps re-runs from downloading again.
 */
export async function createNxWorkspace(parent: string, name: string, env: NodeJS.ProcessEnv): Promise<Workspace> {
  await mkdir(parent, { recursive: true });
  await run(
    'npx',
    [
      '--yes',
      `create-nx-workspace@${NX_VERSION}`,
      name,
      '--preset=apps',
      '--nxCloud=skip',
      '--packageManager=npm',
      '--interactive=false',
      '--skipGit',
      '--analytics=false',
      '--aiAgents=none',
      '--formatter=none',
      '--linter=none',
    ],
    { cwd: parent, env, timeoutMs: 15 * 60_000 },
  );
  const root = path.join(parent, name);
  if (!existsSync(path.join(root, 'nx.json'))) throw new Error(`create-nx-workspace did not create ${root}/nx.json`);
  return new Workspace(root, env);
}

/** `npm pack` of the built packages (what would be published); returns the tarball paths. */
export async function packShipshape(repoRoot: string, destination: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  await mkdir(destination, { recursive: true });
  const tarballs: string[] = [];
  for (const pkg of ['core', 'nx']) {
    const dir = path.join(repoRoot, 'packages', pkg);
    if (!existsSync(path.join(dir, 'dist', 'index.js'))) {
      throw new Error(`packages/${pkg} is not built (no dist/index.js): run \`npm run build\` first (tools/test.sh does)`);
    }
    const result = await run('npm', ['pack', '--json', '--pack-destination', destination], { cwd: dir, env });
    const [packed] = JSON.parse(result.stdout) as { filename: string }[];
    tarballs.push(path.join(destination, packed.filename));
  }
  return tarballs;
}

/** Installs the tarballs as a user installs a plugin (devDependencies, from the workspace root). */
export async function installTarballs(workspace: Workspace, tarballs: readonly string[]): Promise<void> {
  await run('npm', ['install', '--save-dev', ...tarballs], { cwd: workspace.root, env: workspace.env, timeoutMs: 15 * 60_000 });
}

/** A project with a project.json and one source file, as `nx g` generators would lay it out. */
export async function addProject(workspace: Workspace, name: string, root: string): Promise<void> {
  await workspace.writeJson(`${root}/project.json`, {
    name,
    $schema: '../../node_modules/nx/schemas/project-schema.json',
    root,
    sourceRoot: `${root}/src`,
    projectType: 'application',
    targets: {},
  });
  await workspace.write(`${root}/src/main.ts`, `export const service = '${name}';\n`);
}

/**
 * Removes the targets whose executor the installed plugin does not declare (and the dependsOn entries
 * naming them). The configuration generator adds the whole chain; while an executor is still being
 * built, running it would fail on "cannot find executor". Returns what was removed, to report.
 */
export async function pruneUndeclaredTargets(workspace: Workspace, projectRoot: string, declared: ReadonlySet<string>): Promise<string[]> {
  const file = `${projectRoot}/project.json`;
  const project = await workspace.readJson<{ targets: Record<string, { executor?: string; dependsOn?: unknown[] }> }>(file);
  const removed: string[] = [];
  for (const [name, target] of Object.entries(project.targets)) {
    if (target.executor?.startsWith(SHIPSHAPE_PREFIX) && !declared.has(target.executor.slice(SHIPSHAPE_PREFIX.length))) {
      delete project.targets[name];
      removed.push(name);
    }
  }
  for (const target of Object.values(project.targets)) {
    if (target.dependsOn) target.dependsOn = target.dependsOn.filter((d) => typeof d !== 'string' || d in project.targets);
  }
  await workspace.writeJson(file, project);
  return removed;
}
