/**
 * `@shipshape/nx:scan`: scans the image of image.json (or the project's SBOM) with the configured
 * scanners, writes the reports to dist/shipshape/<projectRoot>/scan/ (JSON, SARIF, Markdown and each
 * tool's raw report), and fails the task when a `failOn` or `required` setting is broken.
 */
import { readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { type LogSink } from '@shipshape/core/base';
import { renderReport, renderTable, runScanStep } from '@shipshape/core/scan';
import { STEP_OUTPUT_DIRS } from '../../lib/names';
import { projectOutputDir } from '../../lib/paths';
import { batchConcurrency, batchExecutor } from '../../lib/batch';
import { CONFIG_OVERRIDES } from '../../lib/config-overrides';
import { runStep } from '../../lib/step';
import type { ScanExecutorOptions } from './schema';

export default function scanExecutor(options: ScanExecutorOptions, context: ExecutorContext, sink?: LogSink): Promise<{ success: boolean }> {
  return runStep(
    {
      name: 'scan',
      outputSubdir: STEP_OUTPUT_DIRS.scan,
      feature: 'scan',
      overrides: CONFIG_OVERRIDES.scan,
      enabled: (config) => config.scan.enabled,
      disabledHint: 'scan.enabled is false in security.yaml',
      run: async ({ config, image, client, logger, outputDir, project, workspaceRoot }) => {
        const sbom = options.fromSbom ? await projectSbom(path.join(workspaceRoot, projectOutputDir(project.root), STEP_OUTPUT_DIRS.sbom)) : undefined;
        const outcome = await runScanStep({ config, image: sbom ? undefined : image.image, sbom, client, logger, env: process.env, cwd: workspaceRoot });
        const { report } = outcome;
        for (const warning of report.policy.warnings) logger.warn(warning);
        await writeFile(path.join(outputDir, 'report.json'), renderReport(report, 'json'));
        await writeFile(path.join(outputDir, 'report.sarif.json'), renderReport(report, 'sarif'));
        await writeFile(path.join(outputDir, 'report.md'), renderReport(report, 'markdown'));
        logger.info(renderTable(report));
        const tools = report.tools.map((t) => `${t.tool} ${t.status}`).join(', ') || 'no scanner';
        const failure = report.policy.passed ? undefined : `the scan policy failed: ${report.policy.failures.join('; ')}`;
        return { summary: `scanned ${image.image} (${tools})`, result: { passed: report.policy.passed, tools: report.tools }, failure };
      },
    },
    options,
    context,
    sink,
  );
}

/** Nx batch mode: every ready task of this executor in one process (see lib/batch.ts). */
export const batch = batchExecutor(scanExecutor, batchConcurrency('cpu'));

async function projectSbom(dir: string): Promise<string> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /^sbom.*\.(cdx|spdx)\.json$/.test(f)).sort();
  if (files.length === 0) throw new Error(`fromSbom is set but the sbom target wrote no SBOM in ${dir}`);
  return path.join(dir, files[0]!);
}
