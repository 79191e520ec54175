/**
 * After the scan: the results as signed vuln attestations on the image, and the raw reports in
 * DefectDojo. Either can fail without failing the release (fail-open) unless configured required;
 * either way the outcome lands in the report's policy (a warning, or a failure that fails the step),
 * so the JSON report, the Markdown and the exit code all tell the same story.
 */
import type { AttachedAttestation } from '../attest/attestation';
import type { CiContext } from '../ci/context';
import { isRequired } from '../config/required';
import { resolveSecret } from '../config/secret-source';
import type { SecurityConfig } from '../config/schema';
import { isShipshapeError } from '../errors';
import type { Logger } from '../exec/logger';
import type { RetryPolicy } from '../exec/retry';
import type { Descriptor } from '../oci/manifest';
import type { ImageStore } from '../oci/store';
import type { SigningSetups } from '../signing/setup';
import type { SignatureFormat } from '../signing/types';
import { attachVulnAttestation } from './attestation';
import { uploadToDefectDojo, type DefectDojoResult } from './defectdojo';
import type { ScanReport } from './model';
import type { ScanOutcome } from './scan';

/** Records a publishing problem: a failure of the step when required, else a warning (the caller prints the policy's lines). */
export function notePublishProblem(report: ScanReport, line: string, required: boolean): void {
  if (required) {
    report.policy.failures.push(line);
    report.policy.passed = false;
  } else {
    report.policy.warnings.push(`${line} — continuing (fail-open)`);
  }
}

export interface UploadOptions {
  logger: Logger;
  env: NodeJS.ProcessEnv;
  ci?: Pick<CiContext, 'runId' | 'runUrl' | 'commit' | 'branch' | 'tag' | 'repositoryUrl'>;
  service?: string;
  retry?: Partial<RetryPolicy>;
}

/** Uploads every scanner's raw report when `scan.defectdojo.enabled`; returns what DefectDojo answered. */
export async function uploadScanResults(outcome: ScanOutcome, config: SecurityConfig, options: UploadOptions): Promise<DefectDojoResult[]> {
  const dojo = config.scan.defectdojo;
  if (!dojo.enabled) return [];
  const required = isRequired(config, 'defectdojo');
  const uploads = outcome.runs.filter((run) => run.summary.status === 'ok' && run.rawReport !== undefined && run.summary.reportFormat);
  if (uploads.length === 0) return [];
  let apiKey: string;
  try {
    apiKey = await resolveSecret(dojo.apiKey, options.env, { field: 'scan.defectdojo.apiKey', registry: options.logger.secrets });
  } catch (error) {
    if (!isShipshapeError(error)) throw error;
    notePublishProblem(outcome.report, `DefectDojo upload skipped: ${error.message}`, required);
    return [];
  }
  const results: DefectDojoResult[] = [];
  for (const run of uploads) {
    try {
      const result = await uploadToDefectDojo({
        config: dojo,
        apiKey,
        tool: run.summary.tool,
        format: run.summary.reportFormat!,
        report: run.rawReport!,
        ci: options.ci,
        service: options.service,
        logger: options.logger,
        retry: options.retry,
      });
      options.logger.info(result.summary);
      results.push(result);
    } catch (error) {
      if (!isShipshapeError(error)) throw error;
      notePublishProblem(outcome.report, `DefectDojo upload of the ${run.summary.tool} report failed: ${error.describe()}`, required);
    }
  }
  return results;
}

export interface AttachOptions {
  store: ImageStore;
  subject: Descriptor;
  /** `registry/repository` as cosign names attestation subjects; omitted for on-disk images. */
  subjectName?: string;
  setups: () => Promise<SigningSetups>;
  signatureFormat: SignatureFormat;
  ci?: Pick<CiContext, 'runUrl' | 'runId' | 'builderId'>;
  logger: Logger;
  /** Whether a failed attachment fails the step (`scan.required`). */
  required: boolean;
}

/** One signed vuln attestation per scanner that produced a report. */
export async function attachScanResults(outcome: ScanOutcome, options: AttachOptions): Promise<AttachedAttestation[]> {
  const runs = outcome.runs.filter((run) => run.summary.status === 'ok' && run.rawReport !== undefined);
  if (runs.length === 0) {
    notePublishProblem(outcome.report, 'no vulnerability attestation attached: no scanner produced a result', options.required);
    return [];
  }
  const attached: AttachedAttestation[] = [];
  try {
    const setups = await options.setups();
    for (const run of runs) {
      attached.push(
        ...(await attachVulnAttestation({
          store: options.store,
          subject: options.subject,
          subjectName: options.subjectName,
          setups,
          signatureFormat: options.signatureFormat,
          run: run.summary,
          rawReport: run.rawReport!,
          args: run.args,
          ci: options.ci,
          secrets: options.logger.secrets,
        })),
      );
    }
  } catch (error) {
    if (!isShipshapeError(error)) throw error;
    notePublishProblem(outcome.report, `attaching the vulnerability attestation failed: ${error.describe()}`, options.required);
  }
  return attached;
}
