/**
 * `@shipshape/nx:image-sign`: signs the image of image.json by digest, in the configured format(s).
 * Cached by digest: the same image is not signed twice. Prints `api: signed …@sha256:… (bundle, legacy) by key …`.
 */
import type { ExecutorContext } from '@nx/devkit';
import { type LogSink } from '@shipshape/core/base';
import { createSigningSetups, signImage } from '@shipshape/core/signing';
import { batchConcurrency, batchExecutor } from '../../lib/batch';
import { CONFIG_OVERRIDES } from '../../lib/config-overrides';
import { runStep } from '../../lib/step';
import type { ImageSignExecutorOptions } from './schema';

export default function imageSignExecutor(options: ImageSignExecutorOptions, context: ExecutorContext, sink?: LogSink): Promise<{ success: boolean }> {
  return runStep(
    {
      name: 'image-sign',
      outputSubdir: 'signature',
      feature: 'signing',
      overrides: CONFIG_OVERRIDES['image-sign'],
      enabled: (config) => config.signing.enabled,
      disabledHint: 'signing.enabled is false in security.yaml',
      run: async ({ config, opened, logger, workspaceRoot }) => {
        const setups = await createSigningSetups(config.signing, { env: process.env, logger, cwd: workspaceRoot });
        const signed = await signImage(opened, setups, config.signing.format, logger);
        const formats = signed.signatures.map((s) => s.format).join(', ');
        return { summary: `signed ${signed.image} (${formats}) by ${signed.signer}`, result: { ...signed } };
      },
    },
    options,
    context,
    sink,
  );
}

/** Nx batch mode: every ready task of this executor in one process (see lib/batch.ts). */
export const batch = batchExecutor(imageSignExecutor, batchConcurrency('registry'));
