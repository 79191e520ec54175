/**
 * What every executor needs from the engine before its own work: the project's effective security
 * configuration and a registry client built from it.
 */
import * as path from 'node:path';
import { loadConfig, RegistryClient, registryHostSettings, type LoadedConfig, type Logger } from '@shipshape/core/base';

/**
 * Defaults → `<workspace>/security.yaml` → `<project>/security.yaml` → `overrides` (the target's
 * options in the shape of the `security:` block), later wins.
 */
export function loadProjectConfig(workspaceRoot: string, projectRoot: string, overrides?: unknown): Promise<LoadedConfig> {
  return loadConfig({ cwd: workspaceRoot, projectDir: path.resolve(workspaceRoot, projectRoot), overrides });
}

/** The `registries:` settings plus the `insecureRegistries` option (`--insecure-registry` of the CLI). */
export async function registryClientFor(
  loaded: LoadedConfig,
  insecureRegistries: readonly string[] | undefined,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RegistryClient> {
  const hosts = await registryHostSettings(loaded.config.registries, insecureRegistries ?? [], env);
  return new RegistryClient({ hosts, env, logger });
}
