/**
 * `@shipshape/nx:sbom`: the SBOM of the image of image.json (one per platform), written to
 * dist/shipshape/<projectRoot>/sbom/ and, with `attach`, signed and attached as an in-toto attestation.
 */
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { type LogSink } from '@shipshape/core/base';
import { createSigningSetups } from '@shipshape/core/signing';
import { cosignRepositoryName } from '@shipshape/core/attest';
import { attachSbom, generateImageSboms } from '@shipshape/core/sbom';
import { STEP_OUTPUT_DIRS } from '../../lib/names';
import { batchConcurrency, batchExecutor } from '../../lib/batch';
import { CONFIG_OVERRIDES } from '../../lib/config-overrides';
import { runStep } from '../../lib/step';
import type { SbomExecutorOptions } from './schema';

const EXTENSION = { 'cyclonedx-json': 'cdx.json', 'spdx-json': 'spdx.json' } as const;

export default function sbomExecutor(options: SbomExecutorOptions, context: ExecutorContext, sink?: LogSink): Promise<{ success: boolean }> {
  return runStep(
    {
      name: 'sbom',
      outputSubdir: STEP_OUTPUT_DIRS.sbom,
      feature: 'sbom',
      overrides: CONFIG_OVERRIDES.sbom,
      enabled: (config) => config.sbom.enabled,
      disabledHint: 'sbom.enabled is false in security.yaml',
      run: async ({ config, opened, client, logger, outputDir, workspaceRoot }) => {
        const { format, tool, platform, attach } = config.sbom;
        const sboms = await generateImageSboms(opened, { format, tool, platform, logger, env: process.env, cwd: workspaceRoot, client });
        const setups = attach ? await createSigningSetups(config.signing, { env: process.env, logger, cwd: workspaceRoot }) : undefined;
        const files: { platform?: string; file: string; bytes: number; packages?: number; attached?: string[] }[] = [];
        for (const sbom of sboms) {
          const platformName = sbom.image.platform ? [sbom.image.platform.os, sbom.image.platform.architecture, sbom.image.platform.variant].filter(Boolean).join('-') : undefined;
          const file = `sbom${platformName && sboms.length > 1 ? `.${platformName}` : ''}.${EXTENSION[format]}`;
          await writeFile(path.join(outputDir, file), sbom.document);
          for (const warning of sbom.warnings) logger.warn(warning);
          let attached: string[] | undefined;
          if (setups) {
            const subjectName = opened.reference.kind === 'registry' ? cosignRepositoryName(opened.reference) : undefined;
            const result = await attachSbom({ store: opened.store, subject: sbom.image.descriptor, subjectName, format, document: sbom.document, setups, signatureFormat: config.signing.format });
            attached = result.map((a) => a.format);
          }
          files.push({ platform: platformName, file, bytes: Buffer.byteLength(sbom.document), packages: sbom.packages, attached });
        }
        const described = files.map((f) => `${f.file} (${f.packages ?? '?'} packages, ${Math.round(f.bytes / 1024)} KiB${f.attached ? `, attached: ${f.attached.join(', ')}` : ''})`).join('; ');
        return { summary: `SBOM ${format} by ${tool}: ${described}`, result: { format, tool, files } };
      },
    },
    options,
    context,
    sink,
  );
}

/** Nx batch mode: every ready task of this executor in one process (see lib/batch.ts). */
export const batch = batchExecutor(sbomExecutor, batchConcurrency('cpu'));
