/**
 * A temporary Nx workspace on disk and the ExecutorContext Nx would hand an executor running a
 * target of its one project. Test-only (excluded from the build).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ExecutorContext, TargetConfiguration } from '@nx/devkit';

export interface TempWorkspace {
  root: string;
  /** Writes a workspace-relative file, creating its directories. */
  write(relative: string, content: string): Promise<string>;
  remove(): Promise<void>;
}

export async function tempWorkspace(): Promise<TempWorkspace> {
  const root = await mkdtemp(path.join(tmpdir(), 'shipshape-nx-'));
  const write = async (relative: string, content: string) => {
    const file = path.join(root, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    return file;
  };
  await write('nx.json', '{}\n');
  return { root, write, remove: () => rm(root, { recursive: true, force: true }) };
}

export interface ContextOptions {
  projectName?: string;
  projectRoot?: string;
  targetName?: string;
  target: TargetConfiguration;
  isVerbose?: boolean;
}

/** The context of `nx run <project>:<target>`, with the target as the project graph holds it (targetDefaults applied). */
export function executorContext(root: string, options: ContextOptions): ExecutorContext {
  const projectName = options.projectName ?? 'api';
  const projectRoot = options.projectRoot ?? 'apps/api';
  const targetName = options.targetName ?? 'image-digest';
  const targets = { [targetName]: options.target };
  return {
    root,
    cwd: root,
    isVerbose: options.isVerbose ?? false,
    projectName,
    targetName,
    target: options.target,
    projectsConfigurations: { version: 2, projects: { [projectName]: { name: projectName, root: projectRoot, targets } } },
    nxJsonConfiguration: {},
    projectGraph: {
      nodes: { [projectName]: { name: projectName, type: 'app', data: { root: projectRoot, targets } } },
      dependencies: { [projectName]: [] },
    },
  };
}

/** What an executor printed, line by line, while `run` ran (the terminal sees nothing). */
export async function captureOutput<T>(run: () => Promise<T>): Promise<{ result: T; stdout: string[]; stderr: string[] }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const collect = (into: string[]) => (chunk: string | Uint8Array) => {
    into.push(...String(chunk).split('\n').filter((l) => l.length > 0));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(collect(stdout));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(collect(stderr));
  try {
    return { result: await run(), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** The image.json image-digest would have written for the workspace's one project (apps/api). */
export function writeImageFile(workspace: TempWorkspace, image: { image: string; digest: string; reference?: string; mediaType: string }): Promise<string> {
  const { reference = image.image, ...rest } = image;
  return workspace.write('dist/shipshape/apps/api/image.json', JSON.stringify({ ...rest, reference, platforms: [] }));
}

/** COSIGN_PASSWORD set for the spec's duration (as CI sets it for the executors); returns the password. */
export function cosignPasswordForSpec(): string {
  const password = `pw-${randomBytes(6).toString('hex')}`;
  beforeAll(() => {
    process.env.COSIGN_PASSWORD = password;
  });
  afterAll(() => {
    delete process.env.COSIGN_PASSWORD;
  });
  return password;
}
