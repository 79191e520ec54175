/**
 * SLSA Provenance v1 (https://slsa.dev/spec/v1.0/provenance): the predicate Shipshape writes, and a
 * schema to read one back. Provenance read from a registry is untrusted until its signature verified,
 * and even then its shape is checked before any field is compared.
 */
import { z } from 'zod';
import { PREDICATE_TYPES, resourceDescriptorSchema, type ResourceDescriptor } from '../attest/statement';

export const SLSA_PROVENANCE_V1 = PREDICATE_TYPES.slsaProvenanceV1;

/**
 * buildTypes: GitHub's own for GitHub Actions (so `gh attestation verify` and slsa-verifier read it as
 * theirs), Shipshape's for the others — documented in the README ("SLSA provenance").
 */
export const BUILD_TYPES = {
  githubActions: 'https://actions.github.io/buildtypes/workflow/v1',
  gitlabCi: 'https://shipshape.dev/buildtypes/gitlab-ci/v1',
  jenkins: 'https://shipshape.dev/buildtypes/jenkins/v1',
  circleci: 'https://shipshape.dev/buildtypes/circleci/v1',
  local: 'https://shipshape.dev/buildtypes/local/v1',
} as const;

export interface BuildDefinition {
  buildType: string;
  externalParameters: Record<string, unknown>;
  internalParameters?: Record<string, unknown>;
  resolvedDependencies?: ResourceDescriptor[];
}

export interface RunDetails {
  builder: { id: string; version?: Record<string, string>; builderDependencies?: ResourceDescriptor[] };
  metadata?: { invocationId?: string; startedOn?: string; finishedOn?: string };
  byproducts?: ResourceDescriptor[];
}

export interface SlsaProvenanceV1 {
  buildDefinition: BuildDefinition;
  runDetails: RunDetails;
}

/** What a verifier needs to hold a predicate against expectations; other fields pass through unread. */
export const slsaProvenanceV1Schema = z
  .object({
    buildDefinition: z
      .object({
        buildType: z.string().min(1),
        externalParameters: z.record(z.string(), z.unknown()),
        internalParameters: z.record(z.string(), z.unknown()).optional(),
        resolvedDependencies: z.array(resourceDescriptorSchema).optional(),
      })
      .loose(),
    runDetails: z
      .object({
        builder: z.object({ id: z.string().min(1) }).loose(),
        metadata: z.object({ invocationId: z.string().optional(), startedOn: z.string().optional(), finishedOn: z.string().optional() }).loose().optional(),
        byproducts: z.array(resourceDescriptorSchema).optional(),
      })
      .loose(),
  })
  .loose();
