/**
 * The normalized CI context: one shape for every provider, so signing, provenance and reports never
 * read a provider's environment variables themselves. Values come from the environment, which is
 * input like any other: the schema checks each field, and a field whose variable holds something
 * unusable is dropped with a warning naming the variable rather than carried into provenance.
 */
import { z } from 'zod';

export const CI_PROVIDERS = ['github-actions', 'gitlab-ci', 'jenkins', 'circleci', 'local'] as const;
export type CiProvider = (typeof CI_PROVIDERS)[number];

/** The environment as read: `process.env` or a plain object in tests and embedders. */
export type Env = Readonly<Record<string, string | undefined>>;

function isAbsoluteUri(value: string): boolean {
  try {
    return new URL(value).protocol.length > 1;
  } catch {
    return false;
  }
}

const uri = z.string().refine(isAbsoluteUri, 'must be an absolute URI');
const commitSha = z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'must be a full commit SHA (40 or 64 lower-case hex characters)');
const fullRef = z.string().regex(/^refs\/[^\s]+$/, 'must be a full Git ref such as refs/heads/main or refs/tags/v1');
const text = z.string().min(1);

export const ciWorkflowSchema = z.object({
  /** Display name (GitHub `GITHUB_WORKFLOW`, Jenkins `JOB_NAME`). */
  name: text.optional(),
  /** Path of the pipeline definition in the repository (`.github/workflows/release.yml`, `.gitlab-ci.yml`). */
  path: text.optional(),
  /** Fully qualified reference to the definition, e.g. `owner/repo/.github/workflows/release.yml@refs/heads/main`. */
  ref: text.optional(),
  /** Commit of the pipeline definition, when the provider says (`GITHUB_WORKFLOW_SHA`). */
  sha: commitSha.optional(),
});

export const ciContextSchema = z.object({
  provider: z.enum(CI_PROVIDERS),
  /** False only for `local`: a developer machine is never passed off as CI. */
  isCi: z.boolean(),
  /** Browsable repository URL: https where unambiguous, no credentials, no `.git`. */
  repositoryUrl: uri.optional(),
  commit: commitSha.optional(),
  ref: fullRef.optional(),
  branch: text.optional(),
  tag: text.optional(),
  runId: text.optional(),
  runAttempt: z.number().int().positive().optional(),
  runUrl: uri.optional(),
  /** This job's page, where the provider has one distinct from the run (GitLab, CircleCI). */
  jobUrl: uri.optional(),
  workflow: ciWorkflowSchema,
  job: text.optional(),
  /** What triggered the run: `push`, `pull_request`, `merge_request_event`, `schedule`, ... */
  event: text.optional(),
  actor: text.optional(),
  /** `github-hosted`, `self-hosted`, ... only where the provider states it. */
  runnerEnvironment: text.optional(),
  serverUrl: uri.optional(),
  /** A URI naming the builder, for SLSA `runDetails.builder.id`. */
  builderId: uri,
  /** Provider variables the provenance predicate needs verbatim (never secrets; URL credentials stripped). */
  raw: z.record(z.string(), z.string()),
  /** What could not be determined or was dropped, in words a user can act on. */
  warnings: z.array(z.string()),
});

export type CiContext = z.infer<typeof ciContextSchema>;
export type CiWorkflow = z.infer<typeof ciWorkflowSchema>;

/** What a provider reads: every field optional until checked, plus which variable each came from. */
export type CiContextDraft = Omit<CiContext, 'workflow' | 'runAttempt'> & {
  workflow: Partial<Record<keyof CiWorkflow, string>>;
  runAttempt?: number | string;
  /** Field (or `workflow.field`) to the environment variable it was read from, for warnings. */
  sources: Partial<Record<string, string>>;
};

/**
 * Validates a provider's draft. A field that fails is removed and a warning names the variable and
 * what was expected; the rest of the context stays usable (fail-open, DESIGN principle 1).
 */
export function finalizeContext(draft: CiContextDraft): CiContext {
  const { sources, ...candidate } = draft;
  const working: Record<string, unknown> = { ...candidate, workflow: { ...candidate.workflow }, warnings: [...candidate.warnings] };
  if (typeof working.runAttempt === 'string') {
    working.runAttempt = /^\d+$/.test(working.runAttempt) ? Number(working.runAttempt) : working.runAttempt;
  }
  const warnings = working.warnings as string[];

  // Each round removes the fields that failed; two rounds suffice, the loop bound is a safety net.
  for (let round = 0; round < 3; round++) {
    const result = ciContextSchema.safeParse(working);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      const [top, nested] = issue.path.map(String);
      const field = top === 'workflow' && nested ? `workflow.${nested}` : top;
      const variable = sources[field];
      if (top === 'builderId') {
        working.builderId = `urn:shipshape:builder:${draft.provider}`;
        warnings.push(`could not form a builder id URI${variable ? ` from ${variable}` : ''}; using ${working.builderId as string}`);
      } else if (top === 'workflow' && nested) {
        delete (working.workflow as Record<string, unknown>)[nested];
        warnings.push(describeDrop(field, variable, issue.message));
      } else if (top && top in working && top !== 'provider' && top !== 'isCi' && top !== 'raw' && top !== 'warnings') {
        delete working[top];
        warnings.push(describeDrop(field, variable, issue.message));
      } else {
        // Only a bug in a provider reaches here: the structural fields are ours, not the environment's.
        throw new Error(`internal: invalid CI context field ${field || '(root)'}: ${issue.message}`);
      }
    }
  }
  return ciContextSchema.parse(working);
}

function describeDrop(field: string, variable: string | undefined, message: string): string {
  return `${variable ?? `the value for ${field}`} is unusable (${message}); ${field} left unset`;
}
