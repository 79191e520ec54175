/**
 * `shipshape image scan` (grype and/or trivy over an image or an SBOM) and `shipshape scan report`
 * (a report made elsewhere, through the same model and policy). Both print counts by severity and
 * the top findings, write the report in the format asked for, append the Markdown summary to
 * $GITHUB_STEP_SUMMARY when it is set, and exit 1 when the policy fails.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { detectCiContext } from '../../ci/detect';
import { SCAN_TOOLS, SEVERITIES, type ScanToolName } from '../../config/schema';
import { ShipshapeError } from '../../errors';
import { uploadScanResults } from '../../scan/publish';
import { appendStepSummary, renderMarkdown, renderReport, renderTable, REPORT_FORMATS, type ReportFormatName } from '../../scan/reports';
import { configuredFailOn, reportFromFile, type ScanOutcome } from '../../scan/scan';
import { runScanStep } from '../../scan/step';
import type { FailOnSeverity } from '../../scan/severity';
import type { CommandContext } from '../context';
import { loadCommandConfig, registryClientFor } from '../engine';
import { addSigningFlags, signingLayer, type SigningFlags } from '../signing-flags';

const IMAGE_HELP = 'REGISTRY/REPO[:TAG][@DIGEST], oci:DIR[:TAG|@DIGEST] or docker-archive:FILE';
const SEVERITY_HELP = `the lowest severity that fails: ${SEVERITIES.join(', ')} (any case)`;

interface ImageScanFlags extends SigningFlags {
  image?: string;
  sbom?: string;
  tool?: ScanToolName[];
  failOn?: FailOnSeverity;
  report?: string;
  format?: ReportFormatName;
  platform?: string;
  attach?: boolean;
}

interface ScanReportFlags {
  tool: ScanToolName;
  input: string;
  failOn?: FailOnSeverity;
  format?: ReportFormatName;
  output?: string;
}

/** `scan` under the existing `image` group (image.ts calls this). */
export function registerImageScanCommand(image: Command, context: () => CommandContext): void {
  addSigningFlags(
    image
      .command('scan')
      .description('scan an image (or an SBOM of it) for vulnerabilities with grype and/or trivy; exit 1 when the policy fails')
      .option('--image <ref>', IMAGE_HELP)
      .option('--sbom <file>', 'scan this SBOM (CycloneDX or SPDX JSON) instead of the image: no second pass over the layers')
      .addOption(new Option('--tool <tool>', `scanner to run: ${SCAN_TOOLS.join(' or ')} (repeatable; default: scan.tools)`).argParser(collectTool))
      .addOption(new Option('--fail-on <severity>', SEVERITY_HELP).argParser(parseSeverity))
      .option('--report <file>', 'write the report to FILE')
      .addOption(new Option('--format <format>', 'format of --report (default json)').choices([...REPORT_FORMATS]))
      .option('--platform <platform>', 'OS/ARCH[/VARIANT] of a multi-arch image (default: the host platform)')
      .option('--attach', 'attach the results as signed vulnerability attestations (cosign vuln/v1), one per scanner'),
  ).action(async (flags: ImageScanFlags) => imageScan(flags, context()));
}

export function registerScanCommands(program: Command, context: () => CommandContext): void {
  const scan = program.command('scan').description('read vulnerability reports made by grype or trivy');
  scan
    .command('report')
    .description('normalize a grype or trivy report made elsewhere, apply the policy, and render it; exit 1 when the policy fails')
    .addOption(new Option('--tool <tool>', 'the scanner that wrote the report').choices([...SCAN_TOOLS]).makeOptionMandatory())
    .requiredOption('--input <file>', 'the report: grype -o json, trivy -f json, or either tool\'s CycloneDX')
    .addOption(new Option('--fail-on <severity>', `${SEVERITY_HELP} (default: the tool's failOn in scan.tools)`).argParser(parseSeverity))
    .addOption(new Option('--format <format>', 'output format (default table)').choices([...REPORT_FORMATS]))
    .option('--output <file>', 'write the rendered report to FILE instead of stdout')
    .action(async (flags: ScanReportFlags) => scanReport(flags, context()));
}

async function imageScan(flags: ImageScanFlags, context: CommandContext): Promise<void> {
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

async function scanReport(flags: ScanReportFlags, context: CommandContext): Promise<void> {
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

function parseSeverity(value: string): FailOnSeverity {
  const lower = value.toLowerCase();
  if (!(SEVERITIES as readonly string[]).includes(lower)) throw new InvalidArgumentError(`expected one of ${SEVERITIES.join(', ')}`);
  return lower as FailOnSeverity;
}

function collectTool(value: string, previous: ScanToolName[] | undefined): ScanToolName[] {
  if (!(SCAN_TOOLS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected ${SCAN_TOOLS.join(' or ')}`);
  return [...(previous ?? []), value as ScanToolName];
}
