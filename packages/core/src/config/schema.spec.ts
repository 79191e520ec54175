import { parse as parseYaml } from 'yaml';
import { defaultConfig, securityConfigSchema, type SecurityConfig } from './schema';
import { isRequired, isScanToolRequired } from './required';
import { verifyMode } from './effective';

const accepts = (input: unknown) => securityConfigSchema.safeParse(input).success;
const config = (input: unknown): SecurityConfig => securityConfigSchema.parse(input);

describe('security configuration schema', () => {
  it('defaults to every feature off and fail-open', () => {
    const defaults = defaultConfig();
    expect(defaults.required).toBe(false);
    expect(defaults.signing.enabled).toBe(false);
    expect(defaults.signing.verify.enabled).toBe(false);
    expect(defaults.sbom.enabled).toBe(false);
    expect(defaults.provenance.enabled).toBe(false);
    expect(defaults.scan.enabled).toBe(false);
    expect(defaults.scan.defectdojo.enabled).toBe(false);
    expect(defaults.scan.tools).toEqual([]);
    expect(defaults.registries).toEqual({});
    // The choices a user gets when turning a feature on without saying more.
    expect(defaults.signing).toMatchObject({ keyless: false, format: 'bundle', tool: 'native', rekorUrl: 'https://rekor.sigstore.dev' });
    expect(defaults.sbom).toMatchObject({ format: 'cyclonedx-json', tool: 'native', attach: false });
    expect(defaults.provenance.attach).toBe(true);
    expect(defaults.scan.defectdojo.apiKey).toBe('env://DEFECTDOJO_API_KEY');
  });

  it('accepts the security block as DESIGN.md shows users writing it', () => {
    const block = [
      'security:',
      '  signing:   { enabled: true, keyless: true, verify: { enabled: true, oidcIssuer: "https://token.actions.githubusercontent.com" } }',
      '  sbom:      { enabled: true, format: cyclonedx-json, attach: true }',
      '  provenance: { enabled: true }',
      '  scan:      { enabled: true, tools: [ { name: grype, required: true, failOn: critical }, { name: trivy, required: false } ] }',
    ].join('\n');
    const parsed = config((parseYaml(block) as { security: unknown }).security);
    expect(parsed.scan.tools).toEqual([
      { name: 'grype', required: true, failOn: 'critical' },
      { name: 'trivy', required: false },
    ]);
    expect(verifyMode(parsed)).toBe('keyless');
  });

  it.each([
    ['signing.format', { signing: { format: 'both' } }, { signing: { format: 'cosign' } }],
    ['signing.tool', { signing: { tool: 'cosign' } }, { signing: { tool: 'sigstore' } }],
    ['signing.keyless', { signing: { keyless: true } }, { signing: { keyless: 'yes' } }],
    ['signing.key as a file', { signing: { key: 'keys/cosign.key' } }, { signing: { key: '' } }],
    ['signing.key as env://', { signing: { key: 'env://COSIGN_KEY' } }, { signing: { key: 'env://' } }],
    ['signing.key as KMS', { signing: { key: 'awskms:///arn:aws:kms:eu-west-1:1:key/k' } }, { signing: { key: 'k8s://ns/secret' } }],
    ['signing.key is never the key itself', { signing: { key: 'hashivault://transit-key' } }, { signing: { key: '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nabc' } }],
    ['signing.password', { signing: { password: 'file:///run/secrets/pw' } }, { signing: { password: 'hunter22' } }],
    ['signing.rekorUrl', { signing: { rekorUrl: 'https://rekor.internal:3000' } }, { signing: { rekorUrl: 'rekor.internal' } }],
    ['signing.fulcioUrl', { signing: { fulcioUrl: 'http://127.0.0.1:5555' } }, { signing: { fulcioUrl: 'ftp://fulcio' } }],
    ['signing.tsaUrl', { signing: { tsaUrl: 'https://tsa.example/api/v1/timestamp' } }, { signing: { tsaUrl: 42 } }],
    ['signing.oidcIssuer', { signing: { oidcIssuer: 'https://oauth2.sigstore.dev/auth', oidcClientId: 'sigstore' } }, { signing: { oidcClientId: '' } }],
    ['signing.trustedRoot', { signing: { trustedRoot: 'trusted_root.json' } }, { signing: { trustedRoot: ' ' } }],
    ['verify.identity', { signing: { verify: { identity: 'release@example.com' } } }, { signing: { verify: { identity: 7 } } }],
    ['verify.identityRegexp', { signing: { verify: { identityRegexp: '^https://github.com/acme/' } } }, { signing: { verify: { identityRegexp: '([' } } }],
    ['verify.oidcIssuerRegexp', { signing: { verify: { oidcIssuerRegexp: '.*' } } }, { signing: { verify: { oidcIssuer: 'not a url' } } }],
    ['sbom.format', { sbom: { format: 'spdx-json' } }, { sbom: { format: 'spdx' } }],
    ['sbom.tool', { sbom: { tool: 'syft' } }, { sbom: { tool: 'grype' } }],
    ['sbom.platform', { sbom: { platform: 'linux/arm64/v8' } }, { sbom: { platform: 'arm64' } }],
    ['sbom.platform all', { sbom: { platform: 'all' } }, { sbom: { platform: 'linux/' } }],
    ['provenance.attach', { provenance: { enabled: true, attach: false } }, { provenance: { attach: 'no' } }],
    ['scan.tools[].name', { scan: { tools: [{ name: 'trivy' }] } }, { scan: { tools: [{ name: 'snyk' }] } }],
    ['scan.tools[] needs a name', { scan: { tools: [{ name: 'grype', required: true }] } }, { scan: { tools: [{ required: true }] } }],
    ['scan.tools[] once per tool', { scan: { tools: [{ name: 'grype' }, { name: 'trivy' }] } }, { scan: { tools: [{ name: 'grype' }, { name: 'grype' }] } }],
    ['scan.tools[].failOn', { scan: { tools: [{ name: 'grype', failOn: 'negligible' }] } }, { scan: { tools: [{ name: 'grype', failOn: 'severe' }] } }],
    ['scan.tools[].timeoutSeconds', { scan: { tools: [{ name: 'grype', timeoutSeconds: 300 }] } }, { scan: { tools: [{ name: 'grype', timeoutSeconds: 0 }] } }],
    ['scan.tools[].timeoutSeconds whole', { scan: { tools: [{ name: 'grype', timeoutSeconds: 1 }] } }, { scan: { tools: [{ name: 'grype', timeoutSeconds: 1.5 }] } }],
    ['scan.ignore[].reason', { scan: { ignore: [{ id: 'CVE-2024-1', reason: 'not reachable' }] } }, { scan: { ignore: [{ id: 'CVE-2024-1' }] } }],
    ['scan.ignore[].reason non-empty', { scan: { ignore: [{ id: 'GHSA-1', reason: 'x', package: 'zlib' }] } }, { scan: { ignore: [{ id: 'CVE-2024-1', reason: '  ' }] } }],
    ['scan.ignore[].expires', { scan: { ignore: [{ id: 'CVE-2024-1', reason: 'x', expires: '2028-02-29' }] } }, { scan: { ignore: [{ id: 'CVE-2024-1', reason: 'x', expires: '2027-02-29' }] } }],
    ['scan.ignore[].id', { scan: { ignore: [{ id: 'GO-2024-2687', reason: 'x' }] } }, { scan: { ignore: [{ id: 'CVE 2024', reason: 'x' }] } }],
    ['scan.attach', { scan: { attach: true } }, { scan: { attach: 1 } }],
    ['scan.defectdojo', { scan: { defectdojo: { enabled: true, url: 'https://dojo.example', apiKey: 'env://DOJO_KEY', productName: 'shop', engagementName: 'ci', autoCreateContext: true, reimport: true, minimumSeverity: 'High', closeOldFindings: true } } }, { scan: { defectdojo: { apiKey: 'abc123secret' } } }],
    ['scan.defectdojo.minimumSeverity', { scan: { defectdojo: { minimumSeverity: 'INFO' } } }, { scan: { defectdojo: { minimumSeverity: 'negligible' } } }],
    ['registries', { registries: { 'localhost:5000': { insecure: true }, 'registry.example.com': { caFile: 'ca.pem', username: 'ci', password: 'env://REGISTRY_PASSWORD' } } }, { registries: { 'https://registry.example.com': {} } }],
    ['registries password', { registries: { '[::1]:5000': { insecure: true } } }, { registries: { 'r.example': { password: 'plain' } } }],
    ['top-level required', { required: true }, { required: 'true' }],
  ])('%s: accepts a valid value and rejects an invalid one', (_field, valid, invalid) => {
    expect(accepts(valid)).toBe(true);
    expect(accepts(invalid)).toBe(false);
  });

  it('rejects unknown keys at every level', () => {
    expect(accepts({ signing: { enabled: true, keyles: true } })).toBe(false);
    expect(accepts({ scan: { tools: [{ name: 'grype', failon: 'high' }] } })).toBe(false);
    expect(accepts({ sboms: {} })).toBe(false);
    expect(accepts({ registries: { 'localhost:5000': { insecure: true, tls: false } } })).toBe(false);
  });

  it('accepts severities in any case and normalizes them', () => {
    const parsed = config({ scan: { tools: [{ name: 'grype', failOn: 'High' }, { name: 'trivy', failOn: 'CRITICAL' }] } });
    expect(parsed.scan.tools.map((t) => t.failOn)).toEqual(['high', 'critical']);
  });

  it('rejects contradictions within one block', () => {
    expect(accepts({ signing: { key: 'cosign.key', keyless: true } })).toBe(false);
    expect(accepts({ signing: { verify: { identity: 'a@b.c', identityRegexp: '.*' } } })).toBe(false);
    expect(accepts({ signing: { verify: { oidcIssuer: 'https://a', oidcIssuerRegexp: '.*' } } })).toBe(false);
    expect(accepts({ signing: { verify: { key: 'cosign.pub', identity: 'a@b.c' } } })).toBe(false);
  });
});

describe('fail-open rules', () => {
  it('fails open unless something says required', () => {
    const open = config({ signing: { enabled: true }, scan: { tools: [{ name: 'grype' }] } });
    expect(isRequired(open, 'signing')).toBe(false);
    expect(isRequired(open, 'scan')).toBe(false);
    expect(isScanToolRequired(open, open.scan.tools[0])).toBe(false);
  });

  it('applies the top-level default to every feature that does not say otherwise', () => {
    const closed = config({ required: true, sbom: { required: false }, scan: { tools: [{ name: 'grype' }, { name: 'trivy', required: false }] } });
    expect(isRequired(closed, 'signing')).toBe(true);
    expect(isRequired(closed, 'provenance')).toBe(true);
    expect(isRequired(closed, 'sbom')).toBe(false);
    expect(isScanToolRequired(closed, closed.scan.tools[0])).toBe(true);
    expect(isScanToolRequired(closed, closed.scan.tools[1])).toBe(false);
  });

  it('lets verify inherit from signing, but not DefectDojo from scan', () => {
    const parsed = config({ signing: { required: true }, scan: { required: true } });
    expect(isRequired(parsed, 'verify')).toBe(true);
    expect(isRequired(parsed, 'defectdojo')).toBe(false);
    expect(isRequired(config({ signing: { required: true, verify: { required: false } } }), 'verify')).toBe(false);
  });
});
