/**
 * From the effective `signing:` configuration to the signer: a key (cosign key file, PEM, env://) or
 * keyless (Fulcio + Rekor with the CI's OIDC token). Key material and passwords are loaded once per
 * run — scrypt makes a cosign key slow to open on purpose — and reused for every image.
 */
import { resolveSecret, type SigningConfig } from '../config';
import { ShipshapeError } from '../errors';
import type { Logger } from '../exec/logger';
import { keySigningSetup } from './key-signer';
import { loadSigningKey } from './keys';
import { keylessSigningSetup } from './keyless';
import type { SigningSetup } from './types';

export interface SigningSetups {
  kind: 'key' | 'keyless';
  description: string;
  /**
   * The setup for one storage format. cosign verifies legacy `.sig` signatures with SHA-256 for
   * every key type, while bundles use the key's own hash (P-384 → SHA-384), so keys may need two.
   */
  forFormat(format: 'bundle' | 'legacy'): SigningSetup;
}

export interface SigningSetupOptions {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  cwd?: string;
}

export async function createSigningSetups(signing: SigningConfig, options: SigningSetupOptions): Promise<SigningSetups> {
  if (signing.keyless) {
    const setup = await keylessSigningSetup({
      logger: options.logger,
      env: options.env,
      fulcioUrl: signing.fulcioUrl,
      rekorUrl: signing.rekorUrl,
      tsaUrl: signing.tsaUrl,
    });
    return { kind: 'keyless', description: setup.description, forFormat: () => setup };
  }
  if (!signing.key) {
    throw new ShipshapeError('usage', 'nothing to sign with: no key and not keyless', {
      hint: 'pass --key cosign.key (see `shipshape key generate`) or --keyless, or set signing.key / signing.keyless in security.yaml',
    });
  }
  const password = signing.password ? await resolveSecret(signing.password, options.env, { field: 'signing.password' }) : undefined;
  const key = await loadSigningKey(signing.key, { env: options.env, password, cwd: options.cwd });
  const bundle = keySigningSetup(key.privateKey, key.publicKey, key.description);
  const legacy = key.algorithm.hash === 'sha256' ? bundle : keySigningSetup(key.privateKey, key.publicKey, key.description, { hash: 'sha256' });
  return { kind: 'key', description: key.description, forFormat: (format) => (format === 'legacy' ? legacy : bundle) };
}
