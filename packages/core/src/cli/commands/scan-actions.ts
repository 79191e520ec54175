/**
 * What `shipshape image scan` and `shipshape scan report` do (their flags are in ./scan.ts): loaded
 * only when one of them runs, since the scanners, report renderers and DefectDojo client are heavy.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { detectCiContext } from '../../ci/detect';
import { ShipshapeError } from '../../errors';
import { uploadScanResults } from '../../scan/publish';
import { appendStepSummary, renderMarkdown, renderReport, renderTable, type ReportFormatName } from '../../scan/reports';
import { configuredFailOn, reportFromFile, type ScanOutcome } from '../../scan/scan';
import { runScanStep } from '../../scan/step';
import type { CommandContext } from '../context';
import { loadCommandConfig, registryClientFor } from '../engine';
import { signingLayer } from '../signing-flags';
import type { ImageScanFlags, ScanReportFlags } from './scan';

export async function imageScan(flags: ImageScanFlags, context: CommandContext): Promise<void> {
  if (Boolean(flags.image) === Boolean(flags.sbom)) throw new ShipshapeError('usage', 'pass either --image REF or --sbom FILE');
  const cli = { ...signingLayer(flags), ...(flags.attach ? { scan: { attach: true } } : {}) };
  const loaded = await loadCommandConfig(context, cli);
  const client = flags.image ? await registryClientFor(context, loaded) : undefined;
  try {
    const result = await runScanStep({
      config: loaded.config,
      image: flags.image,
      sbom: flags.sbom,
      overrides: { tools: flags.tool, failOn: flags.failOn },
      client,
      logger: context.logger,
      env: context.io.env,
      cwd: context.io.cwd,
      platform: flags.platform,
    });
    const notes = result.attached.map((a) => `Attached the vulnerability attestation (${a.format}): ${a.location}`);
    await finish(result, context, { file: flags.report, format: flags.format ?? 'json' }, notes);
  } finally {
    client?.close();
  }
}

export async function scanReport(flags: ScanReportFlags, context: CommandContext): Promise<void> {
  const loaded = await loadCommandConfig(context);
  const { config } = loaded;
  const outcome = await reportFromFile({
    tool: flags.tool,
    file: flags.input,
    failOn: flags.failOn ?? configuredFailOn(config, flags.tool),
    ignore: config.scan.ignore,
    cwd: context.io.cwd,
  });
  await uploadScanResults(outcome, config, { logger: context.logger, env: context.io.env, ci: detectCiContext(context.io.env) });
  const format = flags.format ?? 'table';
  if (flags.output || context.globals.output === 'json' || format === 'table') {
    await finish(outcome, context, { file: flags.output, format });
  } else {
    // The report itself on stdout (sarif, markdown, json), nothing else there.
    await report(outcome, context);
    context.io.stdout(renderReport(outcome.report, format));
    verdict(outcome);
  }
}

/** The common end: warnings, the step summary, the report file, the printed summary, the verdict. */
async function finish(outcome: ScanOutcome, context: CommandContext, output: { file?: string; format: ReportFormatName }, notes: string[] = []): Promise<void> {
  await report(outcome, context);
  if (output.file) {
    const target = path.resolve(context.io.cwd, output.file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, renderReport(outcome.report, output.format));
    notes.push(`Wrote the ${output.format} report to ${target}`);
  }
  context.print({ text: [renderTable(outcome.report), ...notes].join('\n'), json: outcome.report });
  verdict(outcome);
}

/** Warnings on stderr, and the Markdown summary for GitHub when $GITHUB_STEP_SUMMARY is set. */
async function report(outcome: ScanOutcome, context: CommandContext): Promise<void> {
  for (const warning of outcome.report.policy.warnings) context.logger.warn(warning);
  await appendStepSummary(renderMarkdown(outcome.report), context.io.env);
}

function verdict(outcome: ScanOutcome): void {
  const { policy } = outcome.report;
  if (!policy.passed) {
    throw new ShipshapeError('check', `the scan policy failed:\n  - ${policy.failures.join('\n  - ')}`);
  }
}
