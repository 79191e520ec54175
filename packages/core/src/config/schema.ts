/**
 * The `security:` block (DESIGN.md "Configuration") as one zod schema: every feature off by default,
 * fail-open unless `required: true`, unknown keys rejected so typos cannot silently disable a check.
 * Rules that span fields of one file live here (superRefine); rules that need the merged result of
 * all files (e.g. "signing is enabled, so it needs a key") live in effective.ts.
 */
import { z } from 'zod';
import { goRegExp } from './go-regexp';
import { keyReferenceSchema } from './key-reference';
import { secretSourceSchema } from './secret-source';

export const SIGNATURE_FORMATS = ['bundle', 'legacy', 'both'] as const;
export const SIGNING_TOOLS = ['native', 'cosign'] as const;
export const SBOM_FORMATS = ['cyclonedx-json', 'spdx-json'] as const;
export const SBOM_TOOLS = ['native', 'syft', 'trivy'] as const;
export const SCAN_TOOLS = ['grype', 'trivy'] as const;
/** Severities in increasing order; `failOn: high` fails on high and critical. */
export const SEVERITIES = ['negligible', 'low', 'medium', 'high', 'critical'] as const;
/** DefectDojo's own severity names (lower-cased). */
export const DEFECTDOJO_SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;

export const PUBLIC_FULCIO_URL = 'https://fulcio.sigstore.dev';
export const PUBLIC_REKOR_URL = 'https://rekor.sigstore.dev';
export const DEFAULT_DEFECTDOJO_API_KEY = 'env://DEFECTDOJO_API_KEY';

/** A string check whose error reads "expected <expected>, found <value>" (see issues.ts). */
function stringThat(test: (text: string) => boolean, expected: string) {
  return z.string().refine(test, { params: { expected } });
}

const nonEmpty = stringThat((s) => s.trim().length > 0, 'a non-empty string');
const filePath = stringThat((s) => s.trim().length > 0, 'a file path');
const httpUrl = stringThat(isHttpUrl, 'an http(s) URL, e.g. https://rekor.example.com');
const regexp = stringThat(isRegExp, 'a regular expression');
const isoDate = stringThat(isIsoDate, 'a date written YYYY-MM-DD, e.g. 2026-06-30');
const platform = stringThat((s) => /^(all|[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?)$/.test(s), 'a platform such as linux/amd64, linux/arm64/v8, or all');
const registryHost = stringThat(isRegistryHost, 'a registry host with an optional port, e.g. registry.example.com or localhost:5000');
const vulnerabilityId = stringThat((s) => /^\S+$/.test(s), 'a vulnerability id without spaces, e.g. CVE-2024-1234 or GHSA-xxxx-xxxx-xxxx');

/** Users copy severities from grype (Title case) and trivy (UPPERCASE); all spellings are accepted. */
function caseInsensitiveEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(values));
}

/** A feature's own `required`, overriding the top-level fail-open default (see required.ts). */
const required = z.boolean().optional();

export const verifySchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    required,
    /** Public key for key-based verification (default: the signing key's public half). */
    key: keyReferenceSchema.optional(),
    /** Expected certificate identity (keyless); when unset, the identity of the CI run that verifies. */
    identity: nonEmpty.optional(),
    identityRegexp: regexp.optional(),
    oidcIssuer: httpUrl.optional(),
    oidcIssuerRegexp: regexp.optional(),
  })
  .superRefine((verify, ctx) => {
    exclusive(ctx, verify, 'identity', 'identityRegexp', 'an exact identity or a pattern');
    exclusive(ctx, verify, 'oidcIssuer', 'oidcIssuerRegexp', 'an exact issuer or a pattern');
    if (verify.key !== undefined) {
      for (const field of ['identity', 'identityRegexp', 'oidcIssuer', 'oidcIssuerRegexp'] as const) {
        if (verify[field] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message: `\`key\` verifies with a public key and \`${field}\` verifies a keyless certificate; keep one of them`,
          });
        }
      }
    }
  });

export const signingSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    required,
    keyless: z.boolean().default(false),
    key: keyReferenceSchema.optional(),
    /** The key's password; unset means COSIGN_PASSWORD (as cosign does). */
    password: secretSourceSchema.optional(),
    format: z.enum(SIGNATURE_FORMATS).default('bundle'),
    tool: z.enum(SIGNING_TOOLS).default('native'),
    fulcioUrl: httpUrl.default(PUBLIC_FULCIO_URL),
    rekorUrl: httpUrl.default(PUBLIC_REKOR_URL),
    tsaUrl: httpUrl.optional(),
    /** For acquiring an OIDC token interactively outside CI (CI tokens come from src/ci). */
    oidcIssuer: httpUrl.optional(),
    oidcClientId: nonEmpty.optional(),
    /** A Sigstore trusted_root.json, for a private Sigstore instance. */
    trustedRoot: filePath.optional(),
    verify: verifySchema.prefault({}),
  })
  .superRefine((signing, ctx) => {
    if (signing.key !== undefined && signing.keyless) {
      ctx.addIssue({
        code: 'custom',
        path: ['key'],
        message: '`key` and `keyless: true` are two ways of signing; keep one of them',
      });
    }
  });

export const sbomSchema = z.strictObject({
  enabled: z.boolean().default(false),
  required,
  format: z.enum(SBOM_FORMATS).default('cyclonedx-json'),
  tool: z.enum(SBOM_TOOLS).default('native'),
  attach: z.boolean().default(false),
  /** Which platform of a multi-arch image (`linux/amd64`), or `all`; unset means the host's. */
  platform: platform.optional(),
});

export const provenanceSchema = z.strictObject({
  enabled: z.boolean().default(false),
  required,
  /** Provenance exists to be verified from the registry, so it is attached unless told otherwise. */
  attach: z.boolean().default(true),
});

export const scanToolSchema = z.strictObject({
  name: z.enum(SCAN_TOOLS),
  /** Unset: inherits `scan.required`, then the top-level `required`. */
  required,
  failOn: caseInsensitiveEnum(SEVERITIES).optional(),
  timeoutSeconds: z.int().positive().max(86_400).optional(),
});

export const ignoreRuleSchema = z.strictObject({
  id: vulnerabilityId,
  package: nonEmpty.optional(),
  reason: nonEmpty,
  /** After this day the rule no longer applies. */
  expires: isoDate.optional(),
});

export const defectDojoSchema = z.strictObject({
  enabled: z.boolean().default(false),
  required,
  url: httpUrl.optional(),
  apiKey: secretSourceSchema.default(DEFAULT_DEFECTDOJO_API_KEY),
  productName: nonEmpty.optional(),
  engagementName: nonEmpty.optional(),
  autoCreateContext: z.boolean().default(false),
  reimport: z.boolean().default(false),
  minimumSeverity: caseInsensitiveEnum(DEFECTDOJO_SEVERITIES).optional(),
  closeOldFindings: z.boolean().default(false),
});

export const scanSchema = z.strictObject({
  enabled: z.boolean().default(false),
  required,
  tools: z
    .array(scanToolSchema)
    .default([])
    .superRefine((tools, ctx) => {
      tools.forEach((tool, index) => {
        if (tools.findIndex((t) => t.name === tool.name) < index) {
          ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `${tool.name} is listed twice; keep one entry per tool` });
        }
      });
    }),
  ignore: z.array(ignoreRuleSchema).default([]),
  /** Attach the results as a signed vulnerability attestation. */
  attach: z.boolean().default(false),
  defectdojo: defectDojoSchema.prefault({}),
});

export const registrySchema = z.strictObject({
  insecure: z.boolean().default(false),
  caFile: filePath.optional(),
  username: nonEmpty.optional(),
  password: secretSourceSchema.optional(),
});

export const securityConfigSchema = z.strictObject({
  /** The fail-open default: false means a failing step warns and the release continues. */
  required: z.boolean().default(false),
  signing: signingSchema.prefault({}),
  sbom: sbomSchema.prefault({}),
  provenance: provenanceSchema.prefault({}),
  scan: scanSchema.prefault({}),
  registries: z.record(registryHost, registrySchema).default({}),
});

export type SecurityConfig = z.output<typeof securityConfigSchema>;
/** What a file, Nx options or CLI flags may hold: any subset, before defaults. */
export type SecurityConfigInput = z.input<typeof securityConfigSchema>;
export type SigningConfig = SecurityConfig['signing'];
export type VerifyConfig = SigningConfig['verify'];
export type SbomConfig = SecurityConfig['sbom'];
export type ProvenanceConfig = SecurityConfig['provenance'];
export type ScanConfig = SecurityConfig['scan'];
export type ScanToolConfig = ScanConfig['tools'][number];
export type IgnoreRule = ScanConfig['ignore'][number];
export type DefectDojoConfig = ScanConfig['defectdojo'];
export type RegistryConfig = SecurityConfig['registries'][string];
export type Severity = (typeof SEVERITIES)[number];
export type SignatureFormat = (typeof SIGNATURE_FORMATS)[number];
export type SbomFormat = (typeof SBOM_FORMATS)[number];
export type ScanToolName = (typeof SCAN_TOOLS)[number];

/** The built-in defaults: every feature off. */
export function defaultConfig(): SecurityConfig {
  return securityConfigSchema.parse({});
}

function exclusive<T extends Record<string, unknown>>(ctx: z.RefinementCtx, value: T, a: keyof T & string, b: keyof T & string, what: string) {
  if (value[a] !== undefined && value[b] !== undefined) {
    ctx.addIssue({ code: 'custom', path: [b], message: `\`${a}\` and \`${b}\` are exclusive (${what}); keep one of them` });
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/** Identity and issuer regexps are written for cosign, in Go's syntax: check them the way the verifier reads them. */
function isRegExp(text: string): boolean {
  try {
    goRegExp(text);
    return true;
  } catch {
    return false;
  }
}

function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** `host`, `host:port` or `[ipv6]:port`, as Docker names registries. */
function isRegistryHost(text: string): boolean {
  return /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*)(:\d{1,5})?$/.test(text);
}
