/** What each provider module implements: recognise its environment, then read it into a draft context. */
import type { SecretRegistry } from '../../exec/secrets';
import type { CiContextDraft, CiProvider, Env } from '../context';

export interface ProviderReadOptions {
  /** Where credentials found in URLs are registered. */
  secrets: SecretRegistry;
}

export interface CiProviderReader {
  readonly id: Exclude<CiProvider, 'local'>;
  /** True when `env` is this provider's job environment. */
  matches(env: Env): boolean;
  read(env: Env, options: ProviderReadOptions): CiContextDraft;
}
