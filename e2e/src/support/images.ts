/**
 * Images for the e2e projects: variants of a fixture image (the same layers, a config label of
 * their own, so each has its own digest), made with umoci in a copy of the fixture's OCI layout and
 * pushed with skopeo — the tools the test environment already installs and builds fixtures with.
 */
import { cp, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { run } from './exec';

export interface RegistryAuth {
  /** A containers auth file (`config.json` with `auths`). */
  authFile: string;
  /** A certs.d-style directory with the registry's CA. */
  certDir: string;
}

export interface VariantOptions {
  /** The fixture's layout and tag to start from. */
  baseLayout: string;
  baseTag: string;
  /** A scratch copy of the layout the variants are added to. */
  workLayout: string;
  /** Tag of the variant inside the work layout. */
  tag: string;
  labels: Record<string, string>;
  /** `HOST:PORT/REPO:TAG` to push to. */
  destination: string;
  /** For a registry with TLS and credentials; a plain loopback registry needs none. */
  auth?: RegistryAuth;
  env: NodeJS.ProcessEnv;
}

/** Makes the variant and pushes it; returns its digest (kept by the push: `--preserve-digests`). */
export async function pushImageVariant(options: VariantOptions): Promise<string> {
  const { workLayout, env } = options;
  if (!existsSync(workLayout)) await cp(options.baseLayout, workLayout, { recursive: true });
  const labels = Object.entries(options.labels).flatMap(([key, value]) => ['--config.label', `${key}=${value}`]);
  await run('umoci', ['config', '--image', `${workLayout}:${options.baseTag}`, '--tag', options.tag, '--no-history', ...labels], { cwd: workLayout, env });
  const destinationFlags = options.auth
    ? ['--dest-authfile', options.auth.authFile, '--dest-cert-dir', options.auth.certDir]
    : ['--dest-tls-verify=false'];
  await run('skopeo', ['copy', '--quiet', '--preserve-digests', ...destinationFlags, `oci:${workLayout}:${options.tag}`, `docker://${options.destination}`], {
    cwd: workLayout,
    env,
  });
  return layoutDigest(workLayout, options.tag);
}

/** Tags of a repository, listed by skopeo (independent of Shipshape's own registry client). */
export async function listTags(repository: string, env: NodeJS.ProcessEnv, auth?: RegistryAuth): Promise<string[]> {
  const flags = auth ? ['--authfile', auth.authFile, '--cert-dir', auth.certDir] : ['--tls-verify=false'];
  const result = await run('skopeo', ['list-tags', ...flags, `docker://${repository}`], { cwd: '/', env });
  const parsed = JSON.parse(result.stdout) as { Tags?: string[] };
  return parsed.Tags ?? [];
}

async function layoutDigest(layout: string, tag: string): Promise<string> {
  const index = JSON.parse(await readFile(`${layout}/index.json`, 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!entry) throw new Error(`umoci did not tag ${tag} in ${layout}`);
  return entry.digest;
}
