/**
 * The exact arguments and environment grype and trivy get for each source: a registry image (by
 * digest, with credentials, CA and insecure settings the way each tool documents them), an OCI layout
 * (`oci:`), a docker-archive and an SBOM. Secrets only ever in the environment handed to runTool's
 * secretEnv, never on the command line.
 */
import { grypeInvocation, trivyInvocation, type ScanSource } from './invocation';

const DIGEST = 'sha256:ecfd979da9a00e353a0c6d6bedf982b26594baed9b1a0e4956a09d9ad051ce97';
const REF = `registry.example.com:5000/team/app@${DIGEST}`;
const PASSWORD = 'pa55-w0rd-not-in-argv';
const TOKEN = 'bearer-t0ken-not-in-argv';

const registry = (access: Partial<Extract<ScanSource, { kind: 'registry' }>['access']> = {}): ScanSource => ({
  kind: 'registry',
  reference: REF,
  access: { host: 'registry.example.com:5000', ...access },
});
const layout: ScanSource = { kind: 'oci-dir', dir: '/work/dist/layout', digest: DIGEST };
const archive: ScanSource = { kind: 'docker-archive', file: '/work/dist/app.tar' };
const sbom: ScanSource = { kind: 'sbom', file: '/work/dist/app.cdx.json' };

describe('grype', () => {
  it('a registry image by digest with basic credentials and a private CA', () => {
    expect(grypeInvocation(registry({ credentials: { username: 'ci', password: PASSWORD }, caFile: '/etc/ssl/registry-ca.pem' }))).toEqual({
      args: [`registry:${REF}`, '-o', 'json'],
      env: {
        GRYPE_CHECK_FOR_APP_UPDATE: 'false',
        GRYPE_REGISTRY_CA_CERT: '/etc/ssl/registry-ca.pem',
        GRYPE_REGISTRY_AUTH_AUTHORITY: 'registry.example.com:5000',
        GRYPE_REGISTRY_AUTH_USERNAME: 'ci',
      },
      secretEnv: { GRYPE_REGISTRY_AUTH_PASSWORD: PASSWORD },
    });
  });

  it('a bearer token, plain HTTP, an unverified TLS registry, a platform', () => {
    expect(grypeInvocation(registry({ credentials: { token: TOKEN }, plainHttp: true }), { platform: 'linux/arm64' })).toEqual({
      args: [`registry:${REF}`, '-o', 'json', '--platform', 'linux/arm64'],
      env: { GRYPE_CHECK_FOR_APP_UPDATE: 'false', GRYPE_REGISTRY_INSECURE_USE_HTTP: 'true', GRYPE_REGISTRY_AUTH_AUTHORITY: 'registry.example.com:5000' },
      secretEnv: { GRYPE_REGISTRY_AUTH_TOKEN: TOKEN },
    });
    expect(grypeInvocation(registry({ skipTlsVerify: true })).env).toEqual({ GRYPE_CHECK_FOR_APP_UPDATE: 'false', GRYPE_REGISTRY_INSECURE_SKIP_TLS_VERIFY: 'true' });
  });

  it('an OCI layout (oci:DIR) as oci-dir:, a docker save archive as docker-archive:, an SBOM as sbom:', () => {
    const none = { env: { GRYPE_CHECK_FOR_APP_UPDATE: 'false' }, secretEnv: {} };
    expect(grypeInvocation(layout)).toEqual({ args: ['oci-dir:/work/dist/layout', '-o', 'json'], ...none });
    expect(grypeInvocation(archive)).toEqual({ args: ['docker-archive:/work/dist/app.tar', '-o', 'json'], ...none });
    // An SBOM has no platform: the flag is not passed.
    expect(grypeInvocation(sbom, { platform: 'linux/amd64' })).toEqual({ args: ['sbom:/work/dist/app.cdx.json', '-o', 'json'], ...none });
  });
});

describe('trivy', () => {
  it('a registry image by digest, remotely (never a Docker daemon), basic credentials, CA through SSL_CERT_FILE', () => {
    expect(trivyInvocation(registry({ credentials: { username: 'ci', password: PASSWORD }, caFile: '/etc/ssl/registry-ca.pem' }), { trivyCacheDir: '/cache/trivy' })).toEqual({
      args: ['image', '--format', 'json', '--scanners', 'vuln', '--no-progress', '--cache-dir', '/cache/trivy', '--image-src', 'remote', REF],
      env: { SSL_CERT_FILE: '/etc/ssl/registry-ca.pem', TRIVY_USERNAME: 'ci' },
      secretEnv: { TRIVY_PASSWORD: PASSWORD },
    });
  });

  it('--insecure for plain HTTP or unverified TLS, a registry token, a platform', () => {
    expect(trivyInvocation(registry({ plainHttp: true, credentials: { token: TOKEN } }), { platform: 'linux/arm64' })).toEqual({
      args: ['image', '--format', 'json', '--scanners', 'vuln', '--no-progress', '--platform', 'linux/arm64', '--image-src', 'remote', '--insecure', REF],
      env: {},
      secretEnv: { TRIVY_REGISTRY_TOKEN: TOKEN },
    });
    expect(trivyInvocation(registry({ skipTlsVerify: true })).args).toContain('--insecure');
  });

  it('an OCI layout as --input DIR@DIGEST, a docker-archive as --input FILE, an SBOM with trivy sbom', () => {
    expect(trivyInvocation(layout)).toEqual({
      args: ['image', '--format', 'json', '--scanners', 'vuln', '--no-progress', '--input', `/work/dist/layout@${DIGEST}`],
      env: {},
      secretEnv: {},
    });
    expect(trivyInvocation({ kind: 'oci-dir', dir: '/work/dist/layout', tag: '1.4.0' }).args.at(-1)).toBe('/work/dist/layout:1.4.0');
    expect(trivyInvocation(archive).args).toEqual(['image', '--format', 'json', '--scanners', 'vuln', '--no-progress', '--input', '/work/dist/app.tar']);
    expect(trivyInvocation(sbom, { trivyCacheDir: '/cache/trivy', platform: 'linux/amd64' })).toEqual({
      args: ['sbom', '--format', 'json', '--no-progress', '--cache-dir', '/cache/trivy', '/work/dist/app.cdx.json'],
      env: {},
      secretEnv: {},
    });
  });
});

it('never puts a password or token on the command line', () => {
  for (const credentials of [{ username: 'ci', password: PASSWORD }, { token: TOKEN }]) {
    for (const invocation of [grypeInvocation(registry({ credentials })), trivyInvocation(registry({ credentials }))]) {
      expect(invocation.args.join(' ')).not.toMatch(new RegExp(`${PASSWORD}|${TOKEN}`));
      expect(Object.values(invocation.env).join(' ')).not.toMatch(new RegExp(`${PASSWORD}|${TOKEN}`));
      expect(Object.values(invocation.secretEnv)).toHaveLength(1);
    }
  }
});
