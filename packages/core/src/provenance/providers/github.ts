/**
 * GitHub Actions: field for field the predicate GitHub's own `buildSLSAProvenancePredicate`
 * (actions/toolkit packages/attest) writes, buildType https://actions.github.io/buildtypes/workflow/v1,
 * so `gh attestation verify` and slsa-verifier read ours as they read GitHub's. GitHub takes every
 * value from the OIDC token; we do too when the job has one, and fall back to the runner's
 * environment variables (which carry the same values) when it has none — except `job_workflow_ref`,
 * the reusable workflow that ran the job, which only the token names.
 */
import type { CiContext, OidcTokenClaims } from '../../ci';
import { stringClaim } from '../claims';
import { compact, sourceDependency, type ProviderProvenance } from '../parts';
import { BUILD_TYPES } from '../types';

/** Token claim → the environment variable that carries the same value. */
const CLAIM_VARIABLES = {
  repository: 'GITHUB_REPOSITORY',
  ref: 'GITHUB_REF',
  sha: 'GITHUB_SHA',
  workflow_ref: 'GITHUB_WORKFLOW_REF',
  event_name: 'GITHUB_EVENT_NAME',
  repository_id: 'GITHUB_REPOSITORY_ID',
  repository_owner_id: 'GITHUB_REPOSITORY_OWNER_ID',
  runner_environment: 'RUNNER_ENVIRONMENT',
  run_id: 'GITHUB_RUN_ID',
  run_attempt: 'GITHUB_RUN_ATTEMPT',
} as const;

type RunFacts = Partial<Record<keyof typeof CLAIM_VARIABLES | 'job_workflow_ref', string>>;

/** Claim first (GitHub signed it), variable second; disagreements on what identifies the source are reported. */
function runFacts(context: CiContext, claims: OidcTokenClaims | undefined, warnings: string[]): RunFacts {
  const facts: RunFacts = {};
  for (const [claim, variable] of Object.entries(CLAIM_VARIABLES) as [keyof typeof CLAIM_VARIABLES, string][]) {
    const fromToken = stringClaim(claims, claim);
    const fromEnv = context.raw[variable];
    if (fromToken && fromEnv && fromToken !== fromEnv && (claim === 'repository' || claim === 'sha' || claim === 'ref')) {
      warnings.push(`the OIDC token's ${claim} (${fromToken}) differs from ${variable} (${fromEnv}); provenance uses the token's`);
    }
    facts[claim] = fromToken ?? fromEnv;
  }
  facts.job_workflow_ref = stringClaim(claims, 'job_workflow_ref');
  return facts;
}

export function githubProvenance(context: CiContext, claims: OidcTokenClaims | undefined): ProviderProvenance {
  const warnings: string[] = [];
  const server = context.serverUrl ?? 'https://github.com';
  const facts = runFacts(context, claims, warnings);
  const repositoryUrl = facts.repository ? `${server}/${facts.repository}` : undefined;

  // `owner/repo/.github/workflows/main.yml@refs/heads/main` → `.github/workflows/main.yml`
  const [workflowPath] = facts.workflow_ref && facts.repository ? stripPrefix(facts.workflow_ref, `${facts.repository}/`).split('@') : [undefined];

  const builderRef = facts.job_workflow_ref ?? facts.workflow_ref;
  let builderId: string;
  if (builderRef) {
    builderId = `${server}/${builderRef}`;
    if (!facts.job_workflow_ref) warnings.push('no job_workflow_ref claim (no OIDC token): the builder id is the calling workflow, GITHUB_WORKFLOW_REF — a reusable workflow that ran the job is not named');
  } else {
    builderId = context.builderId;
    warnings.push(`neither the OIDC token nor GITHUB_WORKFLOW_REF names the workflow; the builder id is ${builderId}`);
  }
  if (!repositoryUrl) warnings.push('GITHUB_REPOSITORY is not set: the provenance names no source repository');

  const invocationId =
    repositoryUrl && facts.run_id && facts.run_attempt ? `${repositoryUrl}/actions/runs/${facts.run_id}/attempts/${facts.run_attempt}` : undefined;

  return {
    buildDefinition: {
      buildType: BUILD_TYPES.githubActions,
      externalParameters: compact({ workflow: { ref: facts.ref, repository: repositoryUrl, path: workflowPath } }),
      internalParameters: compact({
        github: {
          event_name: facts.event_name,
          repository_id: facts.repository_id,
          repository_owner_id: facts.repository_owner_id,
          runner_environment: facts.runner_environment,
        },
      }),
      resolvedDependencies: sourceDependency(repositoryUrl, facts.ref, facts.sha),
    },
    builderId,
    invocationId,
    warnings,
  };
}

function stripPrefix(value: string, prefix: string): string {
  return value.startsWith(prefix) ? value.slice(prefix.length) : value;
}
