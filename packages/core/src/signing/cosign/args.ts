/**
 * `cosign sign` and `cosign verify` command lines, built from the same settings as the native
 * signer. Secrets never go on the command line (any user on the machine can read it in `ps`):
 * the key password travels as COSIGN_PASSWORD and the OIDC token as SIGSTORE_ID_TOKEN, in the
 * child's environment only. The image is always addressed by digest.
 */
import { keyReferenceProblem, parseKeyReference } from '../../config/key-reference';
import { PUBLIC_FULCIO_URL, PUBLIC_REKOR_URL } from '../../config/schema';
import { ShipshapeError } from '../../errors';
import { parseRegistryReference } from '../../oci/reference';
import { cosignCapabilities, type CosignCapabilities } from './capabilities';

/** One storage format per cosign run; `both` is two runs (run.ts). */
export type CosignFormat = 'bundle' | 'legacy';

export interface CosignRegistryOptions {
  /** Plain HTTP and unverified TLS allowed (Docker's "insecure registry"). Loopback needs neither: cosign allows HTTP there. */
  insecure?: boolean;
  /** A CA bundle (PEM) for the registry's TLS certificate. */
  caFile?: string;
}

export interface CosignSignRequest {
  /** REGISTRY/REPOSITORY@sha256:HEX (a tag alongside the digest is dropped). */
  image: string;
  format: CosignFormat;
  /** A key reference (file, `env://VAR`, `awskms://`, `gcpkms://`, `azurekms://`, `hashivault://`); absent means keyless. */
  key?: string;
  fulcioUrl?: string;
  rekorUrl?: string;
  /** An RFC 3161 timestamp authority: its base URL or its timestamp endpoint. */
  tsaUrl?: string;
  /** Record the signature in Rekor; default: yes for keyless, no for a key (as the native signer). */
  tlogUpload?: boolean;
  /** A trusted_root.json cosign checks the new signature against (cosign 2.6+). */
  trustedRoot?: string;
  registry?: CosignRegistryOptions;
  /** Signed `key=value` annotations (`cosign sign -a`). */
  annotations?: Readonly<Record<string, string>>;
  /** For an image index: also sign each platform's image. */
  recursive?: boolean;
}

/** What only the child process may see. */
export interface CosignSecrets {
  /** The key's password (COSIGN_PASSWORD); unset leaves the inherited environment's. */
  password?: string;
  /** The OIDC ID token for keyless signing (SIGSTORE_ID_TOKEN). */
  identityToken?: string;
}

export interface CosignCommand {
  args: string[];
  /** Every value here is a secret: runTool registers them before cosign starts. */
  secretEnv: Record<string, string>;
}

export interface CosignVerifyRequest {
  image: string;
  /** A public key reference (file, `env://VAR`, KMS URI); absent means keyless. */
  key?: string;
  identity?: string;
  identityRegexp?: string;
  issuer?: string;
  issuerRegexp?: string;
  /** Optional GitHub workflow claims the certificate must carry (cosign's --certificate-github-workflow-*). */
  githubWorkflow?: Partial<Record<'trigger' | 'sha' | 'name' | 'repository' | 'ref', string>>;
  trustedRoot?: string;
  rekorUrl?: string;
  /** Accept signatures without a Rekor entry (key-signed with the log upload off). */
  ignoreTlog?: boolean;
  /** Which storage to read; unset: cosign's default (3.x reads bundles, then `.sig` when there are none). */
  format?: CosignFormat;
  registry?: CosignRegistryOptions;
}

const flag = (name: string, value: string | boolean) => `--${name}=${value}`;

export function cosignSignArgs(request: CosignSignRequest, secrets: CosignSecrets = {}, version?: string): CosignCommand {
  const can = cosignCapabilities(version);
  const image = imageByDigest(request.image);
  const keyless = request.key === undefined;
  const tlogUpload = request.tlogUpload ?? keyless;
  const fulcioUrl = keyless ? customUrl(request.fulcioUrl, PUBLIC_FULCIO_URL) : undefined;
  const rekorUrl = tlogUpload ? customUrl(request.rekorUrl, PUBLIC_REKOR_URL) : undefined;
  const tsaUrl = request.tsaUrl === undefined ? undefined : timestampEndpoint(request.tsaUrl);
  if (keyless && !tlogUpload && !tsaUrl) {
    throw new ShipshapeError('config', 'keyless signing without Rekor needs a timestamp authority: nothing else could prove the short-lived certificate was valid when it signed', {
      where: 'signing.tsaUrl',
      hint: 'Set signing.tsaUrl, or keep the transparency log upload on.',
    });
  }

  const args = ['sign', '--yes'];
  if (keyless) {
    if (!secrets.identityToken) {
      throw new ShipshapeError('config', 'keyless signing with cosign needs an OIDC token', { hint: 'Run in CI with an ID token (see `signing.keyless`), or set SIGSTORE_ID_TOKEN.' });
    }
    // The token we acquired, not whatever ambient provider cosign would pick.
    args.push(flag('oidc-provider', 'envvar'));
  } else {
    args.push(flag('key', checkedKey(request.key as string, 'signing.key')));
  }

  if (request.format === 'bundle') {
    if (can.signBundle === 'unsupported') {
      throw new ShipshapeError('config', `cosign ${can.version} cannot write the bundle format; it needs cosign 2.6 or newer`, {
        where: 'signing.format',
        hint: 'Upgrade cosign, set `signing.format: legacy`, or use `signing.tool: native`.',
      });
    }
    if (can.signBundle === 'opt-in') args.push(flag('new-bundle-format', true));
  } else if (can.signBundle === 'default') {
    args.push(flag('new-bundle-format', false));
  }

  // cosign 3 takes its service URLs from a TUF signing config unless told otherwise, and then refuses
  // explicit URLs, `--tlog-upload=false` and the legacy format.
  const explicitServices = fulcioUrl !== undefined || rekorUrl !== undefined || tsaUrl !== undefined || !tlogUpload || request.format === 'legacy';
  if (can.signingConfig === 'default' && explicitServices) args.push(flag('use-signing-config', false));
  if (fulcioUrl) args.push(flag('fulcio-url', fulcioUrl));
  if (rekorUrl) args.push(flag('rekor-url', rekorUrl));
  if (!tlogUpload) args.push(flag('tlog-upload', false));
  if (tsaUrl) args.push(flag('timestamp-server-url', tsaUrl));
  if (request.trustedRoot !== undefined && can.signTrustedRoot) args.push(flag('trusted-root', request.trustedRoot));
  if (request.recursive) args.push('--recursive');
  for (const [key, value] of Object.entries(request.annotations ?? {})) {
    if (!key || key.includes('=') || key.includes(',') || value.includes(',')) {
      // cosign splits the flag's value on commas and the first "=".
      throw new ShipshapeError('usage', `the annotation "${key}" cannot be passed to cosign: keys may not contain "=" or ",", values may not contain ","`);
    }
    args.push(flag('annotations', `${key}=${value}`));
  }
  args.push(...registryArgs(request.registry, can));
  args.push(image);

  const secretEnv: Record<string, string> = {};
  if (keyless) secretEnv.SIGSTORE_ID_TOKEN = secrets.identityToken as string;
  else if (secrets.password !== undefined) secretEnv.COSIGN_PASSWORD = secrets.password;
  return { args, secretEnv };
}

export function cosignVerifyArgs(request: CosignVerifyRequest, version?: string): CosignCommand {
  const can = cosignCapabilities(version);
  const image = imageByDigest(request.image);
  const args = ['verify', flag('output', 'json')];

  if (request.key !== undefined) {
    const keyless = ['identity', 'identityRegexp', 'issuer', 'issuerRegexp'] as const;
    const mixed = keyless.filter((field) => request[field] !== undefined);
    if (mixed.length > 0) {
      throw new ShipshapeError('usage', `a key and certificate ${mixed.join(', ')} were both given; verify with one of them`);
    }
    args.push(flag('key', checkedKey(request.key, 'signing.verify.key')));
  } else {
    args.push(...identityArgs(request));
  }
  if (request.ignoreTlog) args.push(flag('insecure-ignore-tlog', true));

  if (request.format === 'bundle') {
    if (can.verifyBundle === 'unsupported') {
      throw new ShipshapeError('config', `cosign ${can.version} cannot read the bundle format; it needs cosign 2.4 or newer`, {
        hint: 'Upgrade cosign, or use `signing.tool: native`.',
      });
    }
    if (can.verifyBundle === 'opt-in') args.push(flag('new-bundle-format', true));
  } else if (request.format === 'legacy' && can.verifyBundle === 'default') {
    args.push(flag('new-bundle-format', false));
  }

  if (request.trustedRoot !== undefined) {
    if (!can.verifyTrustedRoot) {
      throw new ShipshapeError('config', `cosign ${can.version} cannot verify against a trusted_root.json; it needs cosign 2.4 or newer`, {
        where: 'signing.trustedRoot',
        hint: 'Upgrade cosign, or use `signing.tool: native`.',
      });
    }
    args.push(flag('trusted-root', request.trustedRoot));
  }
  const rekorUrl = customUrl(request.rekorUrl, PUBLIC_REKOR_URL);
  if (rekorUrl) args.push(flag('rekor-url', rekorUrl));
  args.push(...registryArgs(request.registry, can));
  args.push(image);
  return { args, secretEnv: {} };
}

/** cosign requires an identity and an issuer, each exact or as a regexp. */
function identityArgs(request: CosignVerifyRequest): string[] {
  const args: string[] = [];
  const pick = (exact: string | undefined, pattern: string | undefined, what: string, name: string): void => {
    if (exact !== undefined && pattern !== undefined) {
      throw new ShipshapeError('usage', `give the certificate ${what} exactly or as a regexp, not both`);
    }
    if (exact === undefined && pattern === undefined) {
      throw new ShipshapeError('usage', `keyless verification needs the certificate ${what}: --${name} or --${name}-regexp`, {
        hint: 'cosign will not accept a keyless signature from anyone; say whose signature to expect, or verify with --key.',
      });
    }
    args.push(exact !== undefined ? flag(name, exact) : flag(`${name}-regexp`, pattern as string));
  };
  pick(request.identity, request.identityRegexp, 'identity', 'certificate-identity');
  pick(request.issuer, request.issuerRegexp, 'OIDC issuer', 'certificate-oidc-issuer');
  for (const [claim, value] of Object.entries(request.githubWorkflow ?? {})) {
    if (value !== undefined) args.push(flag(`certificate-github-workflow-${claim}`, value));
  }
  return args;
}

function registryArgs(registry: CosignRegistryOptions | undefined, can: CosignCapabilities): string[] {
  const args: string[] = [];
  if (registry?.insecure) args.push(flag('allow-insecure-registry', true), flag('allow-http-registry', true));
  if (registry?.caFile !== undefined) {
    if (!can.registryCaCert) {
      throw new ShipshapeError('config', `cosign ${can.version} cannot take a registry CA file; it needs cosign 2.5 or newer`, {
        where: 'registries.<host>.caFile',
        hint: "Upgrade cosign, or add the CA to the system's trust store.",
      });
    }
    args.push(flag('registry-cacert', registry.caFile));
  }
  return args;
}

/** `host/repo@sha256:…`: cosign signs what a tag points to at that moment; we sign what we resolved. */
function imageByDigest(image: string): string {
  const ref = parseRegistryReference(image.trim());
  if (!ref.digest) {
    throw new ShipshapeError('usage', `cosign is given images by digest, and "${image}" has none`, {
      hint: 'Resolve the tag first (`shipshape image digest --image REF`) and pass REGISTRY/REPOSITORY@sha256:HEX.',
    });
  }
  return `${ref.registry}/${ref.repository}@${ref.digest}`;
}

function checkedKey(key: string, field: string): string {
  const problem = keyReferenceProblem(key);
  if (problem || !parseKeyReference(key)) throw new ShipshapeError('config', problem ?? 'not a key reference', { where: field });
  return key;
}

/** A URL to pass only when it differs from the public instance (cosign's default). */
function customUrl(url: string | undefined, publicUrl: string): string | undefined {
  if (url === undefined) return undefined;
  const normalized = url.replace(/\/+$/, '');
  return normalized === publicUrl ? undefined : normalized;
}

/** cosign wants the endpoint itself; sigstore-js and the config accept the base URL too. */
export function timestampEndpoint(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ShipshapeError('config', 'signing.tsaUrl is not a URL', { where: 'signing.tsaUrl', hint: 'Write an http(s) URL, e.g. https://timestamp.sigstore.dev.' });
  }
  return parsed.pathname === '/' ? `${parsed.origin}/api/v1/timestamp` : url;
}
