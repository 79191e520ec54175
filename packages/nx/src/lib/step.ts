/**
 * The frame every Shipshape step after image-digest runs in: the project's effective configuration
 * (workspace → project security.yaml → the target's options), the image from image.json, a fresh
 * output directory (what Nx caches and restores), and the fail-open rule: a step that is not
 * required warns and lets the release go on; a required one fails the task.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { isRequired, isShipshapeError, openImage, parseReference, secrets, type Feature, type LoadedConfig, type Logger, type LogSink, type OpenedImage, type RegistryClient, type SecurityConfig } from '@shipshape/core/base';
import { loadProjectConfig, registryClientFor } from './engine';
import { runExecutorBody } from './executor-output';
import { readImageFile, type ImageFile } from './image-file';
import { defaultImageFile, projectOutputDir, referenceInWorkspace, resolveInWorkspace } from './paths';
import { executorProject, type ExecutorProject } from './project';

export interface StepOptions {
  /** image.json to read (default dist/shipshape/<projectRoot>/image.json). */
  imageFile?: string;
  insecureRegistries?: string[];
}

export interface StepRun {
  config: SecurityConfig;
  loaded: LoadedConfig;
  image: ImageFile;
  opened: OpenedImage;
  client: RegistryClient;
  logger: Logger;
  project: ExecutorProject;
  /** Absolute path of this step's output directory (emptied before the run). */
  outputDir: string;
  workspaceRoot: string;
}

export interface StepSpec<O extends StepOptions> {
  /** The target name, used in messages. */
  name: string;
  /** Sub-directory of dist/shipshape/<projectRoot> for this step's files; none for verify (never cached). */
  outputSubdir?: string;
  feature: Feature;
  /** The target's options in the shape of the `security:` block (they override security.yaml). */
  overrides(options: O): Record<string, unknown>;
  enabled(config: SecurityConfig): boolean;
  /** Why the step is off, for the one skip line. */
  disabledHint: string;
  /**
   * Does the work; returns the result to record (written as result.json) and a one-line summary, and
   * `failure` when a policy the user set (e.g. scan failOn) was broken: that fails the task even
   * when the step is not `required`, because failOn is itself the fail-closed setting.
   */
  run(step: StepRun): Promise<{ summary: string; result: Record<string, unknown>; failure?: string }>;
}

export function runStep<O extends StepOptions>(spec: StepSpec<O>, options: O, context: ExecutorContext, sink?: LogSink): Promise<{ success: boolean }> {
  return runExecutorBody(
    context,
    async (logger) => {
    const project = executorProject(context);
    const loaded = await loadProjectConfig(context.root, project.root, spec.overrides(options));
    const { config } = loaded;
    const outputDir = spec.outputSubdir ? path.join(context.root, projectOutputDir(project.root), spec.outputSubdir) : undefined;
    if (outputDir) {
      await rm(outputDir, { recursive: true, force: true });
      await mkdir(outputDir, { recursive: true });
    }
    if (!spec.enabled(config)) {
      logger.info(`${project.name}: ${spec.name} is off (${spec.disabledHint}); skipping`);
      return true;
    }
    const image = await readImageFile(resolveInWorkspace(context.root, options.imageFile ?? defaultImageFile(project.root)));
    const client = await registryClientFor(loaded, options.insecureRegistries, logger);
    try {
      const opened = openImage(referenceInWorkspace(parseReference(image.image), context.root), { client });
      const { summary, result, failure } = await spec.run({ config, loaded, image, opened, client, logger, project, outputDir: outputDir ?? '', workspaceRoot: context.root });
      if (outputDir) await writeResult(outputDir, context.root, { step: spec.name, image: image.image, status: failure ? 'policy-failed' : 'ok', ...result });
      logger.info(`${project.name}: ${summary}`);
      if (failure) logger.error(`${project.name}: ${spec.name}: ${failure}`);
      return failure === undefined;
    } catch (error) {
      if (isRequired(config, spec.feature) || !isShipshapeError(error) || error.kind === 'usage' || error.kind === 'config') throw error;
      // Fail-open (DESIGN principle 1): said plainly, recorded, and the release continues.
      logger.warn(`${project.name}: ${spec.name} failed, continuing (not required): ${error.describe()}`);
      if (outputDir) await writeResult(outputDir, context.root, { step: spec.name, image: image.image, status: 'failed', reason: error.message });
      return true;
    } finally {
      client.close();
    }
    },
    sink,
  );
}

async function writeResult(outputDir: string, workspaceRoot: string, result: Record<string, unknown>): Promise<void> {
  // Cached outputs travel to remote caches: nothing registered as a secret may be in them, and paths
  // inside the workspace are written relative to it, so a result restored on another machine (or
  // another checkout directory) reads the same.
  const json = JSON.stringify(secrets.redactValue(result), null, 2);
  const rootInJson = JSON.stringify(`${workspaceRoot}${path.sep}`).slice(1, -1);
  await writeFile(path.join(outputDir, 'result.json'), `${json.split(rootInJson).join('')}\n`);
}
