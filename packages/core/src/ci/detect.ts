/**
 * Which CI system is this, and what is it building? One normalized answer for the whole engine.
 * Precedence when several providers' variables are present (a GitLab job started from Jenkins, a
 * self-hosted runner that inherited another system's variables): the providers that set a single
 * explicit flag come first — GitHub Actions, GitLab CI, CircleCI — then Jenkins, then local.
 */
import { SecretRegistry, secrets as processSecrets } from '../exec/secrets';
import { CiContext, Env, finalizeContext } from './context';
import { circleci } from './providers/circleci';
import { githubActions } from './providers/github';
import { gitlabCi } from './providers/gitlab';
import { jenkins } from './providers/jenkins';
import { LocalIdentity, readLocal } from './providers/local';
import type { CiProviderReader } from './providers/provider';

/** In precedence order. */
export const CI_PROVIDER_READERS: readonly CiProviderReader[] = [githubActions, gitlabCi, circleci, jenkins];

export interface DetectCiContextOptions {
  /** Where secrets found in the environment (tokens, URL credentials) are registered. Default: the process registry. */
  secrets?: SecretRegistry;
  /** Overrides for the local builder identity (hostname, user). */
  local?: LocalIdentity;
}

export function detectCiContext(env: Env = process.env, options: DetectCiContextOptions = {}): CiContext {
  const registry = options.secrets ?? processSecrets;
  // Known secret variables (OIDC tokens, passwords) are masked before anything from this environment is used.
  registry.addFromEnv(env);
  const matching = CI_PROVIDER_READERS.filter((reader) => reader.matches(env));
  const [reader] = matching;
  const draft = reader ? reader.read(env, { secrets: registry }) : readLocal(env, options.local);
  if (matching.length > 1) {
    draft.warnings.push(
      `variables of several CI systems are set (${matching.map((r) => r.id).join(', ')}); using ${draft.provider}`,
    );
  }
  return finalizeContext(draft);
}
