/**
 * Per-registry settings from the `registries:` block of the configuration and `--insecure-registry`
 * flags: insecure (plain HTTP / unverified TLS), an extra CA, and explicit credentials (the password
 * read from its secret source, and registered for redaction on the way).
 */
import { resolveSecret, type SecurityConfig } from '../../config';
import type { RegistryHostSettings } from './client';

export async function registryHostSettings(
  registries: SecurityConfig['registries'],
  insecureHosts: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Record<string, RegistryHostSettings>> {
  const hosts: Record<string, RegistryHostSettings> = {};
  for (const [host, entry] of Object.entries(registries)) {
    hosts[host] = {
      insecure: entry.insecure,
      caFile: entry.caFile,
      username: entry.username,
      password: entry.password ? await resolveSecret(entry.password, env, { field: `registries."${host}".password` }) : undefined,
    };
  }
  for (const host of insecureHosts) hosts[host] = { ...hosts[host], insecure: true };
  return hosts;
}
