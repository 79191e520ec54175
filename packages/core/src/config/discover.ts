/**
 * Finding the configuration files: the workspace root is the nearest directory at or above the
 * project holding `nx.json`; the workspace file is `<root>/security.yaml` and the project file
 * `<project>/security.yaml` (`.yml` is accepted too). Missing files simply mean "use the defaults".
 */
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { ConfigError } from './errors';

export const CONFIG_FILE_NAMES = ['security.yaml', 'security.yml'] as const;
export const WORKSPACE_MARKER = 'nx.json';

export interface DiscoveredFiles {
  workspaceRoot?: string;
  projectDir: string;
  /** Workspace file first, then the project file (once, when the project is the root). */
  files: string[];
  errors: ConfigError[];
}

export async function findWorkspaceRoot(startDir: string): Promise<string | undefined> {
  let dir = path.resolve(startDir);
  for (;;) {
    if (await isFile(path.join(dir, WORKSPACE_MARKER))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export async function discoverConfigFiles(projectDir: string): Promise<DiscoveredFiles> {
  const project = path.resolve(projectDir);
  const workspaceRoot = await findWorkspaceRoot(project);
  const dirs = workspaceRoot && workspaceRoot !== project ? [workspaceRoot, project] : [project];
  const files: string[] = [];
  const errors: ConfigError[] = [];
  for (const dir of dirs) {
    const present: string[] = [];
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = path.join(dir, name);
      if (await isFile(candidate)) present.push(candidate);
    }
    if (present.length > 1) {
      errors.push({
        file: present[1],
        path: '',
        message: `both ${CONFIG_FILE_NAMES.join(' and ')} exist in ${dir}; keep one of them`,
      });
    }
    if (present[0]) files.push(present[0]);
  }
  return { workspaceRoot, projectDir: project, files, errors };
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
