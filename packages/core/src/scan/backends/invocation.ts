/**
 * The exact command lines grype and trivy are run with, per source, and the environment that carries
 * registry settings the way each tool documents them. Secrets (registry passwords and tokens) only
 * ever travel in `secretEnv`, registered for redaction before the tool starts; never in argv.
 *
 * grype (anchore/grype cmd/grype/cli/options/registry.go): `grype SOURCE -o json` with SOURCE
 * `registry:REF`, `oci-dir:DIR`, `docker-archive:FILE` or `sbom:FILE`; GRYPE_REGISTRY_AUTH_AUTHORITY /
 * _USERNAME / _PASSWORD / _TOKEN, GRYPE_REGISTRY_INSECURE_USE_HTTP, GRYPE_REGISTRY_INSECURE_SKIP_TLS_VERIFY,
 * GRYPE_REGISTRY_CA_CERT.
 *
 * trivy: `trivy image --format json --scanners vuln` with `--image-src remote` for a registry (never a
 * local Docker daemon) or `--input DIR|FILE` for a layout or archive; `trivy sbom --format json FILE`;
 * TRIVY_USERNAME / TRIVY_PASSWORD / TRIVY_REGISTRY_TOKEN, `--insecure` for plain HTTP or unverified
 * TLS, a private CA through SSL_CERT_FILE (trivy has no CA flag; Go reads that variable).
 */
import type { ToolImageSource } from '../../sbom/backends/source';
import { addTrivyImageSource } from '../../sbom/backends/trivy';

/** What to scan: an image as the tools address it, or an SBOM file Shipshape (or anyone) made. */
export type ScanSource = ToolImageSource | { kind: 'sbom'; file: string };

export interface ScanInvocation {
  args: string[];
  /** Settings, not secret; added to the inherited environment. */
  env: Record<string, string>;
  /** Passwords and tokens, for runTool's `secretEnv`. */
  secretEnv: Record<string, string>;
}

export interface InvocationOptions {
  /** OS/ARCH[/VARIANT] of a multi-arch image; default: the tool's (the host's). */
  platform?: string;
  /** trivy's cache (its vulnerability database lives there); default: trivy's own. */
  trivyCacheDir?: string;
}

export function grypeInvocation(source: ScanSource, options: InvocationOptions = {}): ScanInvocation {
  const env: Record<string, string> = { GRYPE_CHECK_FOR_APP_UPDATE: 'false' };
  const secretEnv: Record<string, string> = {};
  let target: string;
  switch (source.kind) {
    case 'registry': {
      const { access } = source;
      target = `registry:${source.reference}`;
      if (access.plainHttp) env.GRYPE_REGISTRY_INSECURE_USE_HTTP = 'true';
      if (access.skipTlsVerify) env.GRYPE_REGISTRY_INSECURE_SKIP_TLS_VERIFY = 'true';
      if (access.caFile) env.GRYPE_REGISTRY_CA_CERT = access.caFile;
      const { username, password, token } = access.credentials ?? {};
      if (token || password) {
        env.GRYPE_REGISTRY_AUTH_AUTHORITY = access.host;
        if (token) secretEnv.GRYPE_REGISTRY_AUTH_TOKEN = token;
        else {
          if (username) env.GRYPE_REGISTRY_AUTH_USERNAME = username;
          secretEnv.GRYPE_REGISTRY_AUTH_PASSWORD = password!;
        }
      }
      break;
    }
    case 'oci-dir':
      target = `oci-dir:${source.dir}`;
      break;
    case 'docker-archive':
      target = `docker-archive:${source.file}`;
      break;
    case 'sbom':
      target = `sbom:${source.file}`;
      break;
  }
  const args = [target, '-o', 'json'];
  if (options.platform && source.kind !== 'sbom') args.push('--platform', options.platform);
  return { args, env, secretEnv };
}

export function trivyInvocation(source: ScanSource, options: InvocationOptions = {}): ScanInvocation {
  const env: Record<string, string> = {};
  const secretEnv: Record<string, string> = {};
  // `trivy sbom` scans for vulnerabilities only by default; `trivy image` would look for secrets too.
  const args = source.kind === 'sbom' ? ['sbom', '--format', 'json', '--no-progress'] : ['image', '--format', 'json', '--scanners', 'vuln', '--no-progress'];
  if (options.trivyCacheDir) args.push('--cache-dir', options.trivyCacheDir);
  if (options.platform && source.kind !== 'sbom') args.push('--platform', options.platform);
  if (source.kind === 'sbom') args.push(source.file);
  else addTrivyImageSource(source, { args, env, secretEnv });
  return { args, env, secretEnv };
}

export function scannerInvocation(tool: 'grype' | 'trivy', source: ScanSource, options: InvocationOptions = {}): ScanInvocation {
  return tool === 'grype' ? grypeInvocation(source, options) : trivyInvocation(source, options);
}
