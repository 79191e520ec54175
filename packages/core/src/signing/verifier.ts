/**
 * The one verifier: every signature Shipshape reads — a bundle referrer, a legacy `.sig` layer, an
 * attestation — is turned into a sigstore Bundle and checked here with @sigstore/verify, then held
 * against the policy (a key, or an identity and issuer with cosign's exact-or-regexp semantics).
 */
import type { KeyObject } from 'node:crypto';
import type { Bundle } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier, type TrustMaterial } from '@sigstore/verify';
import { ShipshapeError } from '../errors';
import type { VerificationPolicy } from './types';

export interface VerifiedSigner {
  kind: 'key' | 'keyless';
  /** Certificate identity (SAN) and OIDC issuer, for keyless. */
  identity?: string;
  issuer?: string;
  keyHint?: string;
  tlog?: { logIndex: string; integratedTime: string };
}

const EMPTY_ROOT = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };

/**
 * Verifies one bundle. `data` is the signed artifact for message-signature bundles (the legacy
 * simple-signing payload); DSSE bundles carry their payload. Throws a ShipshapeError('check') with
 * the reason when the signature, the certificate chain, the log entries or the policy do not hold.
 */
export function verifyBundle(bundle: Bundle, data: Buffer | undefined, policy: VerificationPolicy): VerifiedSigner {
  const entity = toSignedEntity(bundle, data);
  const tlogEntry = bundle.verificationMaterial.tlogEntries[0];
  const tlog = tlogEntry ? { logIndex: tlogEntry.logIndex, integratedTime: tlogEntry.integratedTime } : undefined;

  if (policy.kind === 'key') {
    if (bundle.verificationMaterial.content.$case !== 'publicKey') {
      throw new ShipshapeError('check', 'signed with a certificate (keyless), but a key was required');
    }
    const reasons: string[] = [];
    for (const key of policy.publicKeys) {
      try {
        // Key-based signatures need no log or timestamp (cosign --key with --tlog-upload=false); any present are still checked.
        new Verifier(keyTrustMaterial(key), { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(entity);
        return { kind: 'key', keyHint: bundle.verificationMaterial.content.publicKey.hint || undefined, tlog };
      } catch (error) {
        reasons.push(describe(error));
      }
    }
    throw new ShipshapeError('check', `the signature does not verify with the given key${policy.publicKeys.length > 1 ? 's' : ''}: ${unique(reasons).join('; ')}`);
  }

  let signer;
  try {
    signer = new Verifier(trustMaterialFromRoot(policy.trustedRoot)).verify(entity);
  } catch (error) {
    throw new ShipshapeError('check', `keyless signature rejected: ${describe(error)}`);
  }
  const identity = signer.identity?.subjectAlternativeName ?? '';
  const issuer = signer.identity?.extensions?.issuer ?? '';
  checkIdentity(policy, identity, issuer);
  return { kind: 'keyless', identity, issuer, tlog };
}

/** cosign's semantics: exact values compare exactly; regexps are unanchored searches (Go's MatchString). */
export function checkIdentity(policy: Extract<VerificationPolicy, { kind: 'keyless' }>, identity: string, issuer: string): void {
  if (policy.identity !== undefined && identity !== policy.identity) {
    throw new ShipshapeError('check', `certificate identity "${identity}" is not the expected "${policy.identity}"`);
  }
  if (policy.identityRegexp !== undefined && !compile(policy.identityRegexp, 'certificate-identity-regexp').test(identity)) {
    throw new ShipshapeError('check', `certificate identity "${identity}" does not match /${policy.identityRegexp}/`);
  }
  if (policy.issuer !== undefined && issuer !== policy.issuer) {
    throw new ShipshapeError('check', `OIDC issuer "${issuer}" is not the expected "${policy.issuer}"`);
  }
  if (policy.issuerRegexp !== undefined && !compile(policy.issuerRegexp, 'certificate-oidc-issuer-regexp').test(issuer)) {
    throw new ShipshapeError('check', `OIDC issuer "${issuer}" does not match /${policy.issuerRegexp}/`);
  }
}

function compile(pattern: string, flag: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (error) {
    throw new ShipshapeError('usage', `--${flag} is not a valid regular expression: ${(error as Error).message}`);
  }
}

const trustMaterialCache = new WeakMap<object, TrustMaterial>();

function trustMaterialFromRoot(trustedRoot: unknown): TrustMaterial {
  if (typeof trustedRoot !== 'object' || trustedRoot === null) throw new ShipshapeError('config', 'no Sigstore trusted root is available for keyless verification');
  let material = trustMaterialCache.get(trustedRoot);
  if (!material) {
    try {
      material = toTrustMaterial(TrustedRoot.fromJSON(trustedRoot));
    } catch (error) {
      throw new ShipshapeError('config', `the Sigstore trusted root is not usable: ${describe(error)}`, { hint: 'pass a trusted_root.json from your Sigstore instance with --trusted-root' });
    }
    trustMaterialCache.set(trustedRoot, material);
  }
  return material;
}

function keyTrustMaterial(key: KeyObject): TrustMaterial {
  // The bundle's key hint is advisory: the policy's key is the one to try, whatever hint was written.
  return toTrustMaterial(TrustedRoot.fromJSON(EMPTY_ROOT), () => ({ publicKey: key, validFor: () => true }));
}

function describe(error: unknown): string {
  const e = error as { message?: string; code?: string };
  return e.message ? e.message.replace(/^[A-Z_]+: /, '') : String(error);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
