/**
 * `trivy image --format cyclonedx|spdx-json --output FILE`: a registry image with `--image-src remote`
 * (never a local Docker daemon), an OCI layout with `--input DIR[@digest|:tag]`, a docker-archive with
 * `--input FILE`. Credentials through TRIVY_USERNAME / TRIVY_PASSWORD / TRIVY_REGISTRY_TOKEN, a
 * plain-HTTP or unverified registry with `--insecure`, a private CA through SSL_CERT_FILE (trivy has no
 * CA flag; Go reads that variable, and still reads the system certificate directories).
 */
import type { SbomFormat } from '../../config/schema';
import type { ToolImageSource, ToolInvocation } from './source';

export interface TrivyOptions {
  outputFile: string;
  platform?: string;
  /** trivy's cache (layer analysis, databases); default: trivy's own (~/.cache/trivy). */
  cacheDir?: string;
  /**
   * Make no network request besides the image itself: no vulnerability or Java database download,
   * no lookups of Java archives. An SBOM needs no vulnerability database; without the Java index, jars
   * are identified from their own metadata only.
   */
  offline?: boolean;
}

export const TRIVY_FORMATS: Record<SbomFormat, string> = { 'cyclonedx-json': 'cyclonedx', 'spdx-json': 'spdx-json' };

export function trivyInvocation(source: ToolImageSource, format: SbomFormat, options: TrivyOptions): ToolInvocation {
  const args = ['image', '--format', TRIVY_FORMATS[format], '--output', options.outputFile, '--no-progress'];
  if (options.cacheDir) args.push('--cache-dir', options.cacheDir);
  if (options.offline) args.push('--skip-db-update', '--skip-java-db-update', '--offline-scan');
  if (options.platform) args.push('--platform', options.platform);
  const env: Record<string, string> = {};
  const secretEnv: Record<string, string> = {};
  addTrivyImageSource(source, { args, env, secretEnv });
  return { args, env, secretEnv, outputFile: options.outputFile, stdoutToFile: false };
}

/**
 * How trivy is pointed at an image, shared by `trivy image` for SBOMs and for scans: a registry
 * reference (credentials only in the environment, a private CA through SSL_CERT_FILE, which trivy
 * honours instead of a CA flag), or an OCI layout / docker-archive through --input.
 */
export function addTrivyImageSource(source: ToolImageSource, call: { args: string[]; env: Record<string, string>; secretEnv: Record<string, string> }): void {
  const { args, env, secretEnv } = call;
  switch (source.kind) {
    case 'registry': {
      const { access } = source;
      args.push('--image-src', 'remote');
      if (access.plainHttp || access.skipTlsVerify) args.push('--insecure');
      if (access.caFile) env.SSL_CERT_FILE = access.caFile;
      const { username, password, token } = access.credentials ?? {};
      if (token) secretEnv.TRIVY_REGISTRY_TOKEN = token;
      else if (password) {
        if (username) env.TRIVY_USERNAME = username;
        secretEnv.TRIVY_PASSWORD = password;
      }
      args.push(source.reference);
      break;
    }
    case 'oci-dir':
      args.push('--input', `${source.dir}${source.digest ? `@${source.digest}` : source.tag ? `:${source.tag}` : ''}`);
      break;
    case 'docker-archive':
      args.push('--input', source.file);
      break;
  }
}
