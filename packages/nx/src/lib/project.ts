/** The project an executor runs for, from its ExecutorContext. */
import type { ExecutorContext } from '@nx/devkit';
import { ShipshapeError } from '@shipshape/core/base';

export interface ExecutorProject {
  name: string;
  /** Workspace-relative root, `.` for a root project. */
  root: string;
}

export function executorProject(context: ExecutorContext): ExecutorProject {
  const name = context.projectName;
  const project = name ? context.projectsConfigurations?.projects[name] : undefined;
  if (!name || !project) {
    throw new ShipshapeError('usage', 'this executor runs for a project, and Nx gave it none', {
      hint: 'run it as a project target: nx run <project>:<target>',
    });
  }
  return { name, root: project.root || '.' };
}
