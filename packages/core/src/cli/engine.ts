/** What most commands need before they start: the effective configuration and a registry client built from it. */
import { loadConfig, type LoadedConfig } from '../config';
import { RegistryClient } from '../oci/registry/client';
import { registryHostSettings } from '../oci/registry/settings';
import type { CommandContext } from './context';

export function loadCommandConfig(context: CommandContext, cli?: unknown): Promise<LoadedConfig> {
  return loadConfig({ cwd: context.io.cwd, files: context.globals.config ? [context.globals.config] : undefined, cli });
}

export async function registryClientFor(context: CommandContext, loaded: LoadedConfig): Promise<RegistryClient> {
  const hosts = await registryHostSettings(loaded.config.registries, context.globals.insecureRegistry, context.io.env);
  return new RegistryClient({ hosts, env: context.io.env, logger: context.logger });
}
