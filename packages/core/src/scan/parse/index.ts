/**
 * A scanner's report, whichever of its formats: grype JSON, trivy JSON, or CycloneDX with
 * vulnerabilities (either tool). The format is recognised from the document; a report of the other
 * tool is refused with the flag to use, so a trivy report is never read as grype's.
 */
import type { ScanToolName } from '../../config/schema';
import { ShipshapeError } from '../../errors';
import type { ParsedReport } from './common';
import { looksLikeCycloneDx, parseCycloneDxReport } from './cyclonedx';
import { looksLikeGrype, parseGrypeReport } from './grype';
import { looksLikeTrivy, parseTrivyReport } from './trivy';

export type { ParsedReport } from './common';
export { grypeDatabase } from './grype';
export { cyclonedxSeverity } from './cyclonedx';

export function parseToolReport(tool: ScanToolName, text: string, where: string): ParsedReport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const detail = text.trim() === '' ? 'it is empty' : `it is not valid JSON (${(error as Error).message})`;
    throw new ShipshapeError('input', `cannot read the ${tool} report: ${detail}`, { where, hint: `give a report written with ${formatHint(tool)}` });
  }
  if (looksLikeCycloneDx(json)) return parseCycloneDxReport(json, tool, where);
  if (looksLikeGrype(json)) {
    if (tool !== 'grype') throw wrongTool('grype', tool, where);
    return parseGrypeReport(json, where);
  }
  if (looksLikeTrivy(json)) {
    if (tool !== 'trivy') throw wrongTool('trivy', tool, where);
    return parseTrivyReport(json, where);
  }
  // Neither shape: let the expected tool's schema name what is missing.
  return tool === 'grype' ? parseGrypeReport(json, where) : parseTrivyReport(json, where);
}

function wrongTool(found: ScanToolName, expected: ScanToolName, where: string): ShipshapeError {
  return new ShipshapeError('input', `this is a ${found} report, not a ${expected} one`, { where, hint: `pass --tool ${found}` });
}

function formatHint(tool: ScanToolName): string {
  return tool === 'grype' ? '`grype IMAGE -o json` (or -o cyclonedx-json)' : '`trivy image -f json IMAGE` (or -f cyclonedx)';
}
