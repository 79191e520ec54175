/**
 * `syft scan <source> -o cyclonedx-json|spdx-json`, the source named with syft's scheme prefixes
 * (`registry:`, `oci-dir:`, `docker-archive:`) so syft never looks for a Docker daemon. Registry
 * settings go through syft's documented environment (SYFT_REGISTRY_*: insecure-use-http,
 * insecure-skip-tls-verify, ca-cert, and one auth entry: authority, username, password or token).
 */
import type { SbomFormat } from '../../config/schema';
import type { ToolImageSource, ToolInvocation } from './source';

export interface SyftOptions {
  outputFile: string;
  /** `linux/arm64`: which image of a multi-arch index. */
  platform?: string;
}

export function syftInvocation(source: ToolImageSource, format: SbomFormat, options: SyftOptions): ToolInvocation {
  const args = ['scan', syftSource(source), '--output', format, '--quiet'];
  if (options.platform) args.push('--platform', options.platform);
  // No update check: a build step must not phone home, and must not wait for it offline.
  const env: Record<string, string> = { SYFT_CHECK_FOR_APP_UPDATE: 'false' };
  const secretEnv: Record<string, string> = {};
  if (source.kind === 'registry') {
    const { access } = source;
    if (access.plainHttp) env.SYFT_REGISTRY_INSECURE_USE_HTTP = 'true';
    if (access.skipTlsVerify) env.SYFT_REGISTRY_INSECURE_SKIP_TLS_VERIFY = 'true';
    if (access.caFile) env.SYFT_REGISTRY_CA_CERT = access.caFile;
    const { username, password, token } = access.credentials ?? {};
    if (token || password) {
      env.SYFT_REGISTRY_AUTH_AUTHORITY = access.host;
      if (token) secretEnv.SYFT_REGISTRY_AUTH_TOKEN = token;
      else {
        if (username) env.SYFT_REGISTRY_AUTH_USERNAME = username;
        secretEnv.SYFT_REGISTRY_AUTH_PASSWORD = password!;
      }
    }
  }
  return { args, env, secretEnv, outputFile: options.outputFile, stdoutToFile: true };
}

function syftSource(source: ToolImageSource): string {
  switch (source.kind) {
    case 'registry':
      return `registry:${source.reference}`;
    case 'oci-dir':
      return `oci-dir:${source.dir}`;
    case 'docker-archive':
      return `docker-archive:${source.file}`;
  }
}
