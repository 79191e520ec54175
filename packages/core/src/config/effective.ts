/**
 * Rules about the effective configuration — the merge of every layer — that no single file can be
 * judged by alone: a workspace may enable signing and leave the key to each project.
 */
import type { FieldPath } from './paths';
import type { SecurityConfig } from './schema';

export interface EffectiveIssue {
  path: FieldPath;
  message: string;
}

export type VerifyMode = 'key' | 'keyless';

/**
 * How `signing.verify` checks signatures: with a public key (its own `key`, else the signing key's
 * public half) or keyless (by certificate identity and issuer). Undefined: nothing to verify against.
 */
export function verifyMode(config: SecurityConfig): VerifyMode | undefined {
  const { signing } = config;
  const { verify } = signing;
  if (verify.key !== undefined) return 'key';
  const keylessFields = [verify.identity, verify.identityRegexp, verify.oidcIssuer, verify.oidcIssuerRegexp];
  if (signing.keyless || keylessFields.some((v) => v !== undefined)) return 'keyless';
  if (signing.key !== undefined) return 'key';
  return undefined;
}

export function checkEffectiveConfig(config: SecurityConfig): EffectiveIssue[] {
  return [...checkSigning(config), ...checkScan(config), ...checkRegistries(config)];
}

function checkSigning(config: SecurityConfig): EffectiveIssue[] {
  const issues: EffectiveIssue[] = [];
  const { signing } = config;
  const { verify } = signing;
  if (signing.enabled && !signing.keyless && signing.key === undefined) {
    issues.push({
      path: ['signing', 'enabled'],
      message: 'signing is enabled but has no key: set `signing.key` (a file, env://VARIABLE or a KMS URI) or `signing.keyless: true`',
    });
  }
  if (!verify.enabled) return issues;
  const mode = verifyMode(config);
  if (mode === undefined) {
    issues.push({
      path: ['signing', 'verify', 'enabled'],
      message:
        'verification is enabled but has nothing to verify against: set `signing.verify.key` (a public key), or for keyless signatures `signing.verify.oidcIssuer` and `signing.verify.identity`',
    });
  } else if (mode === 'keyless' && verify.oidcIssuer === undefined && verify.oidcIssuerRegexp === undefined) {
    issues.push({
      path: ['signing', 'verify', 'oidcIssuer'],
      message:
        'keyless verification needs the expected OIDC issuer: set `signing.verify.oidcIssuer` (e.g. https://token.actions.githubusercontent.com) or `oidcIssuerRegexp`',
    });
  }
  if (signing.enabled && signing.keyless && verify.key !== undefined) {
    issues.push({
      path: ['signing', 'verify', 'key'],
      message: 'keyless signatures carry a certificate, not a key: verify them with `oidcIssuer` and `identity` instead of `verify.key`',
    });
  }
  if (signing.enabled && signing.key !== undefined && mode === 'keyless') {
    issues.push({
      path: ['signing', 'verify'],
      message: 'signing uses a key, but verification expects a keyless certificate: set `signing.verify.key` to the public key',
    });
  }
  return issues;
}

function checkScan(config: SecurityConfig): EffectiveIssue[] {
  const issues: EffectiveIssue[] = [];
  const { scan } = config;
  if (scan.enabled && scan.tools.length === 0) {
    issues.push({
      path: ['scan', 'tools'],
      message: 'scanning is enabled but lists no tools: add e.g. `tools: [{ name: grype }]` (grype or trivy)',
    });
  }
  const dojo = scan.defectdojo;
  if (dojo.enabled) {
    for (const field of ['url', 'productName', 'engagementName'] as const) {
      if (dojo[field] === undefined) {
        issues.push({ path: ['scan', 'defectdojo', field], message: `the DefectDojo upload is enabled but \`${field}\` is not set` });
      }
    }
  }
  return issues;
}

function checkRegistries(config: SecurityConfig): EffectiveIssue[] {
  const issues: EffectiveIssue[] = [];
  for (const [host, registry] of Object.entries(config.registries)) {
    if ((registry.username === undefined) !== (registry.password === undefined)) {
      const missing = registry.username === undefined ? 'username' : 'password';
      issues.push({ path: ['registries', host, missing], message: `\`username\` and \`password\` go together; \`${missing}\` is not set` });
    }
  }
  return issues;
}
