/**
 * `@shipshape/nx:provenance`: SLSA v1 provenance for the image of image.json from the CI context, with
 * this project's SBOM and scan results (when they ran) as byproducts; written to
 * dist/shipshape/<projectRoot>/provenance/ and, with `attach`, signed and attached to the image.
 */
import { readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { type LogSink } from '@shipshape/core/base';
import { createSigningSetups } from '@shipshape/core/signing';
import { attachAttestation } from '@shipshape/core/attest';
import { generateProvenance } from '@shipshape/core/provenance';
import { projectOutputDir } from '../../lib/paths';
import { batchConcurrency, batchExecutor } from '../../lib/batch';
import { CONFIG_OVERRIDES } from '../../lib/config-overrides';
import { runStep } from '../../lib/step';
import { STEP_OUTPUT_DIRS } from '../../lib/names';
import type { ProvenanceExecutorOptions } from './schema';

export default function provenanceExecutor(options: ProvenanceExecutorOptions, context: ExecutorContext, sink?: LogSink): Promise<{ success: boolean }> {
  return runStep(
    {
      name: 'provenance',
      outputSubdir: STEP_OUTPUT_DIRS.provenance,
      feature: 'provenance',
      overrides: CONFIG_OVERRIDES.provenance,
      enabled: (config) => config.provenance.enabled,
      disabledHint: 'provenance.enabled is false in security.yaml',
      run: async ({ config, opened, logger, outputDir, project, workspaceRoot }) => {
        const stepDir = (step: keyof typeof STEP_OUTPUT_DIRS) => path.join(workspaceRoot, projectOutputDir(project.root), STEP_OUTPUT_DIRS[step]);
        const generated = await generateProvenance(opened, {
          env: process.env,
          cwd: workspaceRoot,
          logger,
          sbomFiles: await resultFiles(stepDir('sbom')),
          scanReportFiles: await resultFiles(stepDir('scan')),
        });
        await writeFile(path.join(outputDir, 'provenance.intoto.json'), `${JSON.stringify(generated.statement, null, 2)}\n`);
        const builder = generated.statement.predicate?.runDetails.builder.id ?? 'unknown';
        if (!config.provenance.attach) return { summary: `provenance for ${generated.image} written (builder ${builder})`, result: { builder } };
        const setups = await createSigningSetups(config.signing, { env: process.env, logger, cwd: workspaceRoot });
        const attached = await attachAttestation(opened.store, generated.descriptor, generated.statement, setups, config.signing.format);
        return { summary: `provenance for ${generated.image} attached (${attached.map((a) => a.format).join(', ')}; builder ${builder})`, result: { builder, attached } };
      },
    },
    options,
    context,
    sink,
  );
}

/** Nx batch mode: every ready task of this executor in one process (see lib/batch.ts). */
export const batch = batchExecutor(provenanceExecutor, batchConcurrency('registry'));

/** An earlier step's report files (not its result.json bookkeeping), as provenance byproducts. */
async function resultFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n !== 'result.json' && n.endsWith('.json')).sort().map((n) => path.join(dir, n));
}
