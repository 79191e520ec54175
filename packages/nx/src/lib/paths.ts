/** Output paths, in the two forms needed: workspace-relative files and Nx `outputs` patterns. */
import * as path from 'node:path';
import type { ImageReference } from '@shipshape/core/base';
import { IMAGE_FILE_NAME, OUTPUT_ROOT, STEP_OUTPUT_DIRS } from './names';

/** `dist/shipshape/<projectRoot>` (posix, workspace-relative); a root project (`.`) gets `dist/shipshape`. */
export function projectOutputDir(projectRoot: string): string {
  return path.posix.join(OUTPUT_ROOT, toPosix(projectRoot));
}

/** `dist/shipshape/<projectRoot>/image.json`, workspace-relative. */
export function defaultImageFile(projectRoot: string): string {
  return path.posix.join(projectOutputDir(projectRoot), IMAGE_FILE_NAME);
}

/** The Nx `outputs` entry for image.json: must match defaultImageFile once Nx interpolates it. */
export const IMAGE_FILE_OUTPUT = `{workspaceRoot}/${OUTPUT_ROOT}/{projectRoot}/${IMAGE_FILE_NAME}`;

/** The Nx `outputs` entry of a step (`sbom` → `{workspaceRoot}/dist/shipshape/{projectRoot}/sbom`). */
export function stepOutput(step: keyof typeof STEP_OUTPUT_DIRS): string {
  return `{workspaceRoot}/${OUTPUT_ROOT}/{projectRoot}/${STEP_OUTPUT_DIRS[step]}`;
}

/** A path written in options: absolute as is, else against the workspace root (where Nx options are relative to). */
export function resolveInWorkspace(workspaceRoot: string, file: string): string {
  return path.resolve(workspaceRoot, file);
}

/**
 * The workspace-relative posix form of a path inside the workspace, else the absolute path.
 * Files that end up in cached outputs say `dist/images/api`, never `/home/ci/build/...`, so the
 * cache entry (and every hash computed from it) is the same on every machine.
 */
export function workspaceRelative(workspaceRoot: string, file: string): string {
  const relative = path.relative(workspaceRoot, path.resolve(workspaceRoot, file));
  if (relative === '') return '.';
  if (relative.startsWith('..') || path.isAbsolute(relative)) return path.resolve(workspaceRoot, file);
  return toPosix(relative);
}

function toPosix(p: string): string {
  return p.split(path.sep).join(path.posix.sep);
}

/** Relative layout and archive paths are relative to the workspace root, as every Nx option is. */
export function referenceInWorkspace(reference: ImageReference, workspaceRoot: string): ImageReference {
  if (reference.kind === 'oci') return { ...reference, dir: path.resolve(workspaceRoot, reference.dir) };
  if (reference.kind === 'docker-archive') return { ...reference, file: path.resolve(workspaceRoot, reference.file) };
  return reference;
}
