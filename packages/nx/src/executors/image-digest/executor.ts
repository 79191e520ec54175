/**
 * `@shipshape/nx:image-digest`: resolves the project's image to a digest and writes image.json.
 * Prints `api → 127.0.0.1:5000/team/api@sha256:0123456789ab… (linux/amd64)`.
 */
import type { ExecutorContext } from '@nx/devkit';
import { openImage, type LogSink } from '@shipshape/core/base';
import { batchConcurrency, batchExecutor } from '../../lib/batch';
import { assertDeclaredOutput } from '../../lib/declared-outputs';
import { loadProjectConfig, registryClientFor } from '../../lib/engine';
import { runExecutorBody, shortDigest } from '../../lib/executor-output';
import { removeImageFile, writeImageFile } from '../../lib/image-file';
import { defaultImageFile, resolveInWorkspace, workspaceRelative } from '../../lib/paths';
import { executorProject } from '../../lib/project';
import { imageCandidates, resolveFirst } from './find-image';
import type { ImageDigestExecutorOptions } from './schema';

export default async function imageDigestExecutor(options: ImageDigestExecutorOptions, context: ExecutorContext, sink?: LogSink): Promise<{ success: boolean }> {
  return runExecutorBody(
    context,
    async (logger) => {
    const project = executorProject(context);
    const outputFile = resolveInWorkspace(context.root, options.outputPath ?? defaultImageFile(project.root));
    assertDeclaredOutput(context, workspaceRelative(context.root, outputFile));
    await removeImageFile(outputFile);

    const loaded = await loadProjectConfig(context.root, project.root);
    const client = await registryClientFor(loaded, options.insecureRegistries, logger);
    try {
      const candidates = await imageCandidates(options.image, context.root, project);
      const found = await resolveFirst(candidates, context.root, (reference) => openImage(reference, { client }), logger);
      const { description } = found;
      await writeImageFile(outputFile, {
        image: found.pinned,
        digest: description.digest,
        reference: found.candidate.reference,
        mediaType: description.mediaType,
        platforms: description.platforms,
      });
      const platforms = description.platforms.map((p) => p.platform).join(', ');
      const shown = found.pinned.replace(description.digest, shortDigest(description.digest));
      logger.info(`${project.name} → ${shown}${platforms ? ` (${platforms})` : ''}`);
      logger.debug(`from ${found.candidate.source}: ${found.candidate.reference}; ${description.digest} written to ${workspaceRelative(context.root, outputFile)}`);
    } finally {
      client.close();
    }
    },
    sink,
  );
}

/** Nx batch mode: every ready task of this executor in one process (see lib/batch.ts). */
export const batch = batchExecutor(imageDigestExecutor, batchConcurrency('registry'));
