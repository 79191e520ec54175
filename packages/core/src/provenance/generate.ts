/**
 * Provenance for one image: resolve it to its digest, read the CI context (and the checkout where the
 * CI says nothing), the CI's token claims, the byproduct files, and make the in-toto Statement v1
 * whose subject is the image by digest. Attaching is the caller's choice, through the one attestation
 * path (attest/attestation.ts).
 */
import { imageSubject, makeStatement, cosignRepositoryName, type ResourceDescriptor, type Statement } from '../attest/statement';
import { addGitDetails, detectCiContext, readGitDetails, type CiContext, type CiEnv } from '../ci';
import { ShipshapeError } from '../errors';
import type { Logger } from '../exec/logger';
import type { SecretRegistry } from '../exec/secrets';
import type { Descriptor } from '../oci/manifest';
import type { OpenedImage } from '../oci/open';
import { formatReference, pinDigest } from '../oci/reference';
import { fileByproduct } from './byproducts';
import { readBuildClaims } from './claims';
import { buildProvenancePredicate } from './predicate';
import { SLSA_PROVENANCE_V1, type SlsaProvenanceV1 } from './types';

export interface GenerateProvenanceOptions {
  env: CiEnv;
  /** Where relative byproduct paths resolve and the Git checkout is read. */
  cwd: string;
  logger: Logger;
  secrets?: SecretRegistry;
  /** SBOM files to name as byproducts. */
  sbomFiles?: string[];
  /** Scan result files to name as byproducts. */
  scanReportFiles?: string[];
  /** When the work started if known (the CLI passes its process start); see ProvenanceInput.startedOn. */
  startedOn?: Date;
  /** For the GitHub token request; defaults to the global fetch. */
  fetch?: typeof fetch;
}

export interface GeneratedProvenance {
  /** The image by digest. */
  image: string;
  /** The image's manifest (or index) descriptor: the attestation's subject. */
  descriptor: Descriptor;
  context: CiContext;
  statement: Statement<SlsaProvenanceV1>;
  warnings: string[];
}

export async function generateProvenance(opened: OpenedImage, options: GenerateProvenanceOptions): Promise<GeneratedProvenance> {
  const { reference, store } = opened;
  if (reference.kind === 'docker-archive') {
    throw new ShipshapeError('usage', `provenance names an image by its registry digest, and ${formatReference(reference)} has none (a docker-archive holds only the config digest)`, {
      hint: 'push the image to a registry or copy it to an oci: layout, and generate provenance for that',
    });
  }
  const startedOn = options.startedOn ?? new Date();
  const descriptor = await store.resolve(opened.tagOrDigest);
  const image = formatReference(pinDigest(reference, descriptor.digest));
  if (!reference.digest) options.logger.info(`${formatReference(reference)} resolved to ${descriptor.digest}`);

  let context = detectCiContext(options.env, { secrets: options.secrets });
  // Outside CI (or a CI job without its Git variables) the checkout says which source was built.
  let localSource: { dirty: boolean } | undefined;
  if (context.provider === 'local' || !context.commit || !context.repositoryUrl) {
    context = await addGitDetails(context, { cwd: options.cwd, secrets: options.secrets });
    if (context.provider === 'local') {
      const details = await readGitDetails({ cwd: options.cwd, secrets: options.secrets });
      localSource = details ? { dirty: details.dirty } : undefined;
    }
  }
  const claims = await readBuildClaims(context, { env: options.env, logger: options.logger, secrets: options.secrets, fetch: options.fetch });

  const byproducts: ResourceDescriptor[] = [];
  for (const file of options.sbomFiles ?? []) byproducts.push(await fileByproduct(file, { cwd: options.cwd, flag: '--sbom' }));
  for (const file of options.scanReportFiles ?? []) byproducts.push(await fileByproduct(file, { cwd: options.cwd, flag: '--scan-report' }));

  const built = buildProvenancePredicate({ context, claims, startedOn, byproducts, localSource });
  const name = reference.kind === 'registry' ? cosignRepositoryName(reference) : `oci:${reference.dir}`;
  const statement = makeStatement([imageSubject(descriptor.digest, name)], SLSA_PROVENANCE_V1, built.predicate);
  const warnings = [...context.warnings, ...built.warnings];
  for (const warning of warnings) options.logger.warn(warning);
  return { image, descriptor, context, statement, warnings };
}
