/**
 * The whole scan step for one image (or its SBOM), as the CLI and the Nx executor run it: resolve the
 * image to its digest, run the planned scanners over it, attach the results when `scan.attach`, upload
 * to DefectDojo when enabled. The caller prints the report and turns `report.policy.passed` into
 * its exit status.
 */
import type { AttachedAttestation } from '../attest/attestation';
import { cosignRepositoryName } from '../attest/statement';
import { detectCiContext } from '../ci/detect';
import { isRequired } from '../config/required';
import type { SecurityConfig } from '../config/schema';
import { ShipshapeError } from '../errors';
import type { Logger } from '../exec/logger';
import { describeImage, type ImageDescription } from '../oci/image';
import { openImage, type OpenedImage } from '../oci/open';
import { repositoryName } from '../oci/reference';
import type { RegistryClient } from '../oci/registry/client';
import { createSigningSetups } from '../signing/setup';
import type { DefectDojoResult } from './defectdojo';
import { attachScanResults, uploadScanResults } from './publish';
import { planScanTools, runScan, type ScanOutcome, type ToolOverrides } from './scan';
import { imageScanSource, sbomScanSource } from './source';

export interface ScanStepRequest {
  config: SecurityConfig;
  /** One of image (any reference form) and sbom (a file). */
  image?: string;
  sbom?: string;
  overrides?: ToolOverrides;
  /** For registry images: Shipshape's client, whose settings and credentials the scanners get too. */
  client?: RegistryClient;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal?: AbortSignal;
  platform?: string;
  trivyCacheDir?: string;
}

export interface ScanStepResult extends ScanOutcome {
  attached: AttachedAttestation[];
  defectdojo: DefectDojoResult[];
}

export async function runScanStep(request: ScanStepRequest): Promise<ScanStepResult> {
  if (Boolean(request.image) === Boolean(request.sbom)) throw new ShipshapeError('usage', 'pass either --image REF or --sbom FILE');
  const { config, env, cwd, logger } = request;
  const tools = planScanTools(config, request.overrides);
  let opened: OpenedImage | undefined;
  let description: ImageDescription | undefined;
  let where: Awaited<ReturnType<typeof imageScanSource>>;
  if (request.image) {
    opened = openImage(request.image, { client: request.client });
    description = await describeImage(opened);
    where = await imageScanSource(opened, description, { client: request.client, env, cwd });
  } else {
    where = sbomScanSource(request.sbom!, cwd);
  }
  const outcome = await runScan({ ...where, tools, ignore: config.scan.ignore, logger, env, cwd, signal: request.signal, platform: request.platform, trivyCacheDir: request.trivyCacheDir });

  const ci = detectCiContext(env);
  let attached: AttachedAttestation[] = [];
  if (config.scan.attach) {
    if (opened && description) {
      attached = await attachScanResults(outcome, {
        store: opened.store,
        subject: { mediaType: description.mediaType, digest: description.digest, size: description.size },
        subjectName: opened.reference.kind === 'registry' ? cosignRepositoryName(opened.reference) : undefined,
        setups: () => createSigningSetups(config.signing, { env, logger, cwd }),
        signatureFormat: config.signing.format,
        ci,
        logger,
        required: isRequired(config, 'scan'),
      });
    } else {
      outcome.report.policy.warnings.push('no vulnerability attestation attached: an SBOM scan has no image to attach it to');
    }
  }
  const service = opened?.reference.kind === 'registry' ? repositoryName(opened.reference) : undefined;
  const defectdojo = await uploadScanResults(outcome, config, { logger, env, ci, service });
  return { ...outcome, attached, defectdojo };
}
