/**
 * The exact command lines and environments syft and trivy get, per source kind: registry settings the
 * way each tool documents them, and secrets only ever in the environment.
 */
import type { ToolImageSource } from './source';
import { syftInvocation } from './syft';
import { trivyInvocation } from './trivy';

const REF = 'registry.example.com:5000/team/app@sha256:ecfd979da9a00e353a0c6d6bedf982b26594baed9b1a0e4956a09d9ad051ce97';
const PASSWORD = 'pa55-w0rd-not-in-argv';
const TOKEN = 'bearer-t0ken-not-in-argv';
const OUT = '/tmp/out/sbom.json';

const registry = (access: Partial<Extract<ToolImageSource, { kind: 'registry' }>['access']> = {}): ToolImageSource => ({
  kind: 'registry',
  reference: REF,
  access: { host: 'registry.example.com:5000', ...access },
});

describe('syft invocation', () => {
  it('scans a registry image by digest with the registry: scheme, credentials in SYFT_REGISTRY_AUTH_*', () => {
    const inv = syftInvocation(registry({ credentials: { username: 'ci', password: PASSWORD }, caFile: '/etc/ca.pem' }), 'cyclonedx-json', { outputFile: OUT });
    expect(inv.args).toEqual(['scan', `registry:${REF}`, '--output', 'cyclonedx-json', '--quiet']);
    expect(inv.env).toEqual({
      SYFT_CHECK_FOR_APP_UPDATE: 'false',
      SYFT_REGISTRY_CA_CERT: '/etc/ca.pem',
      SYFT_REGISTRY_AUTH_AUTHORITY: 'registry.example.com:5000',
      SYFT_REGISTRY_AUTH_USERNAME: 'ci',
    });
    expect(inv.secretEnv).toEqual({ SYFT_REGISTRY_AUTH_PASSWORD: PASSWORD });
    expect(inv).toMatchObject({ outputFile: OUT, stdoutToFile: true });
  });

  it('passes a bearer token, plain HTTP and skipped TLS verification, and the platform', () => {
    const inv = syftInvocation(registry({ credentials: { token: TOKEN }, plainHttp: true }), 'spdx-json', { outputFile: OUT, platform: 'linux/arm64' });
    expect(inv.args).toEqual(['scan', `registry:${REF}`, '--output', 'spdx-json', '--quiet', '--platform', 'linux/arm64']);
    expect(inv.env).toEqual({ SYFT_CHECK_FOR_APP_UPDATE: 'false', SYFT_REGISTRY_INSECURE_USE_HTTP: 'true', SYFT_REGISTRY_AUTH_AUTHORITY: 'registry.example.com:5000' });
    expect(inv.secretEnv).toEqual({ SYFT_REGISTRY_AUTH_TOKEN: TOKEN });
    expect(syftInvocation(registry({ skipTlsVerify: true }), 'spdx-json', { outputFile: OUT }).env).toEqual({
      SYFT_CHECK_FOR_APP_UPDATE: 'false',
      SYFT_REGISTRY_INSECURE_SKIP_TLS_VERIFY: 'true',
    });
  });

  it('names an OCI layout oci-dir: and a docker save archive docker-archive:, with no registry settings', () => {
    const oci = syftInvocation({ kind: 'oci-dir', dir: '/work/layout', tag: '1' }, 'cyclonedx-json', { outputFile: OUT });
    expect(oci.args).toEqual(['scan', 'oci-dir:/work/layout', '--output', 'cyclonedx-json', '--quiet']);
    expect(oci.env).toEqual({ SYFT_CHECK_FOR_APP_UPDATE: 'false' });
    expect(oci.secretEnv).toEqual({});
    const archive = syftInvocation({ kind: 'docker-archive', file: '/work/app.tar' }, 'spdx-json', { outputFile: OUT });
    expect(archive.args).toEqual(['scan', 'docker-archive:/work/app.tar', '--output', 'spdx-json', '--quiet']);
  });
});

describe('trivy invocation', () => {
  it('scans a registry image remotely (never a Docker daemon), credentials in TRIVY_USERNAME/TRIVY_PASSWORD, CA via SSL_CERT_FILE', () => {
    const inv = trivyInvocation(registry({ credentials: { username: 'ci', password: PASSWORD }, caFile: '/etc/ca.pem' }), 'cyclonedx-json', { outputFile: OUT });
    expect(inv.args).toEqual(['image', '--format', 'cyclonedx', '--output', OUT, '--no-progress', '--image-src', 'remote', REF]);
    expect(inv.env).toEqual({ SSL_CERT_FILE: '/etc/ca.pem', TRIVY_USERNAME: 'ci' });
    expect(inv.secretEnv).toEqual({ TRIVY_PASSWORD: PASSWORD });
    expect(inv.stdoutToFile).toBe(false);
  });

  it('uses --insecure for plain HTTP or unverified TLS, a registry token, the cache, offline flags and the platform', () => {
    const inv = trivyInvocation(registry({ plainHttp: true, credentials: { token: TOKEN } }), 'spdx-json', {
      outputFile: OUT,
      cacheDir: '/cache/trivy',
      offline: true,
      platform: 'linux/arm64',
    });
    expect(inv.args).toEqual([
      'image', '--format', 'spdx-json', '--output', OUT, '--no-progress',
      '--cache-dir', '/cache/trivy',
      '--skip-db-update', '--skip-java-db-update', '--offline-scan',
      '--platform', 'linux/arm64',
      '--image-src', 'remote', '--insecure', REF,
    ]);
    expect(inv.env).toEqual({});
    expect(inv.secretEnv).toEqual({ TRIVY_REGISTRY_TOKEN: TOKEN });
    expect(trivyInvocation(registry({ skipTlsVerify: true }), 'spdx-json', { outputFile: OUT }).args).toContain('--insecure');
  });

  it('reads an OCI layout (by digest or tag) and a docker-archive with --input', () => {
    const digest = 'sha256:ecfd979da9a00e353a0c6d6bedf982b26594baed9b1a0e4956a09d9ad051ce97';
    expect(trivyInvocation({ kind: 'oci-dir', dir: '/work/layout', digest }, 'cyclonedx-json', { outputFile: OUT }).args).toEqual([
      'image', '--format', 'cyclonedx', '--output', OUT, '--no-progress', '--input', `/work/layout@${digest}`,
    ]);
    expect(trivyInvocation({ kind: 'oci-dir', dir: '/work/layout', tag: '1' }, 'cyclonedx-json', { outputFile: OUT }).args.slice(-2)).toEqual(['--input', '/work/layout:1']);
    const archive = trivyInvocation({ kind: 'docker-archive', file: '/work/app.tar' }, 'spdx-json', { outputFile: OUT });
    expect(archive.args.slice(-2)).toEqual(['--input', '/work/app.tar']);
    expect(archive.env).toEqual({});
  });

  it('never puts a secret on the command line, for any source or tool', () => {
    const sources = [registry({ credentials: { username: 'ci', password: PASSWORD } }), registry({ credentials: { token: TOKEN } })];
    for (const source of sources) {
      for (const inv of [syftInvocation(source, 'cyclonedx-json', { outputFile: OUT }), trivyInvocation(source, 'cyclonedx-json', { outputFile: OUT })]) {
        const visible = JSON.stringify([inv.args, inv.env]);
        expect(visible).not.toContain(PASSWORD);
        expect(visible).not.toContain(TOKEN);
        expect(Object.values(inv.secretEnv)).toHaveLength(1);
      }
    }
  });
});
