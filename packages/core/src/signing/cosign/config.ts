/**
 * cosign requests from the `signing:` configuration, so `tool: cosign` and `tool: native` sign and
 * verify with the same settings. Registry credentials are not passed: cosign reads them from the
 * Docker config (`docker login`, credential helpers), as it always does.
 */
import { parseKeyReference } from '../../config/key-reference';
import type { RegistryConfig, SigningConfig } from '../../config/schema';
import { ShipshapeError } from '../../errors';
import { parseRegistryReference } from '../../oci/reference';
import type { SignatureFormat } from '../types';
import type { CosignRegistryOptions, CosignSignRequest, CosignVerifyRequest } from './args';

type Registries = Readonly<Record<string, RegistryConfig>>;

export function cosignSignRequestFromConfig(
  signing: SigningConfig,
  image: string,
  registries: Registries = {},
): Omit<CosignSignRequest, 'format'> & { format: SignatureFormat } {
  if (signing.key === undefined && !signing.keyless) {
    throw new ShipshapeError('config', 'signing is enabled but says neither how to sign: set `signing.key` or `signing.keyless: true`', { where: 'signing' });
  }
  return {
    image,
    format: signing.format,
    key: signing.keyless ? undefined : signing.key,
    fulcioUrl: signing.fulcioUrl,
    rekorUrl: signing.rekorUrl,
    tsaUrl: signing.tsaUrl,
    trustedRoot: signing.trustedRoot,
    registry: registryOptions(image, registries),
  };
}

export function cosignVerifyRequestFromConfig(signing: SigningConfig, image: string, registries: Registries = {}): CosignVerifyRequest {
  const { verify } = signing;
  const base = { image, trustedRoot: signing.trustedRoot, rekorUrl: signing.rekorUrl, registry: registryOptions(image, registries) };
  // A KMS key's public half comes from the KMS, so the signing key verifies too; a key file is private.
  const signingKmsKey = signing.key !== undefined && parseKeyReference(signing.key)?.kind === 'kms' ? signing.key : undefined;
  const key = verify.key ?? (signing.keyless ? undefined : signingKmsKey);
  if (key !== undefined) {
    // Key-signed images carry no Rekor entry unless one was asked for (the native signer writes none).
    return { ...base, key, ignoreTlog: true };
  }
  if (!signing.keyless && signing.key !== undefined) {
    throw new ShipshapeError('config', 'cosign verifies with the public key: set `signing.verify.key` to it (e.g. cosign.pub)', { where: 'signing.verify.key' });
  }
  return {
    ...base,
    identity: verify.identity,
    identityRegexp: verify.identityRegexp,
    issuer: verify.oidcIssuer,
    issuerRegexp: verify.oidcIssuerRegexp,
  };
}

function registryOptions(image: string, registries: Registries): CosignRegistryOptions | undefined {
  const host = parseRegistryReference(image.trim()).registry;
  const config = registries[host];
  if (!config) return undefined;
  return { insecure: config.insecure || undefined, caFile: config.caFile };
}
