/**
 * `shipshape image scan` (grype and/or trivy over an image or an SBOM) and `shipshape scan report`
 * (a report made elsewhere, through the same model and policy). Both print counts by severity and
 * the top findings, write the report in the format asked for, append the Markdown summary to
 * $GITHUB_STEP_SUMMARY when it is set, and exit 1 when the policy fails.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { SCAN_TOOLS, SEVERITIES, type ScanToolName } from '../../config/schema';
import { REPORT_FORMATS, type ReportFormatName } from '../../scan/reports/formats';
import type { FailOnSeverity } from '../../scan/severity';
import type { CommandContext } from '../context';
import { addSigningFlags, type SigningFlags } from '../signing-flags';

const IMAGE_HELP = 'REGISTRY/REPO[:TAG][@DIGEST], oci:DIR[:TAG|@DIGEST] or docker-archive:FILE';
const SEVERITY_HELP = `the lowest severity that fails: ${SEVERITIES.join(', ')} (any case)`;

export interface ImageScanFlags extends SigningFlags {
  image?: string;
  sbom?: string;
  tool?: ScanToolName[];
  failOn?: FailOnSeverity;
  report?: string;
  format?: ReportFormatName;
  platform?: string;
  attach?: boolean;
}

export interface ScanReportFlags {
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
  ).action(async (flags: ImageScanFlags) => (await import('./scan-actions.js')).imageScan(flags, context()));
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
    .action(async (flags: ScanReportFlags) => (await import('./scan-actions.js')).scanReport(flags, context()));
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
