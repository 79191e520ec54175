/**
 * The three writable stores bundle tests run against: a fresh repository in the plain-HTTP registry,
 * one in the TLS registry with basic auth (both real `docker-registry` servers from the test env, no
 * referrers API: the `sha256-<hex>` fallback index), and an OCI layout on disk. Test-only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OciLayoutStore } from '../../oci/layout/store';
import { RegistryClient } from '../../oci/registry/client';
import { RegistryRepository } from '../../oci/registry/repository';
import type { ImageStore } from '../../oci/store';
import { testEnv } from '../../test-support/test-env';

export interface TestStores {
  /** [label, a new empty store] */
  kinds: [string, () => ImageStore][];
  close(): void;
}

export function testStores(prefix: string): TestStores {
  const env = testEnv();
  const client = new RegistryClient({
    env: { HOME: '/nonexistent' },
    hosts: { [env.tlsRegistry]: { caFile: env.tlsCaFile, username: env.tlsUsername, password: env.tlsPassword } },
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
  });
  const work = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const unique = () => `${prefix}/${Math.random().toString(36).slice(2, 10)}`;
  return {
    kinds: [
      ['plain registry', () => new RegistryRepository(client, env.registry, unique())],
      ['TLS registry', () => new RegistryRepository(client, env.tlsRegistry, unique())],
      ['OCI layout', () => new OciLayoutStore(join(work, Math.random().toString(36).slice(2, 10)))],
    ],
    close() {
      client.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
