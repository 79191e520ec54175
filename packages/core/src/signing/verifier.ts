/**
 * The one verifier: every signature Shipshape reads — a bundle referrer, a legacy `.sig` layer, an
 * attestation — is turned into a sigstore Bundle and checked here with @sigstore/verify, then held
 * against the policy (a key, or an identity and issuer with cosign's exact-or-regexp semantics).
 */
import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { Bundle } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial, Verifier, type SignedEntity, type TrustMaterial } from '@sigstore/verify';
import { ShipshapeError } from '../errors';
import { githubWorkflowClaims } from './keyless/fulcio-extensions';
import { goRegExp } from '../config/go-regexp';
import { signedEntity, type ArtifactDigest } from './bundle/signed-entity';
import { preAuthEncoding } from '../attest/dsse';
import { keyAlgorithm } from './keys/key-types';
import type { VerificationPolicy } from './types';

export interface VerifiedSigner {
  kind: 'key' | 'keyless';
  /** Certificate identity (SAN) and OIDC issuer, for keyless. */
  identity?: string;
  issuer?: string;
  keyHint?: string;
  tlog?: { logIndex: string; integratedTime: string };
  /** Keyless from GitHub Actions: the workflow claims Fulcio put in the certificate (cosign's names). */
  githubWorkflow?: Record<string, string>;
}

const EMPTY_ROOT = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };

/**
 * Verifies one bundle. `data` is the signed artifact for message-signature bundles (the legacy
 * simple-signing payload, a blob) or only its digest (`verify-bundle sha256:HEX`); DSSE bundles carry
 * their payload. Throws a ShipshapeError('check') with the reason when the signature, the certificate
 * chain, the log entries or the policy do not hold.
 */
export function verifyBundle(bundle: Bundle, data: Buffer | ArtifactDigest | undefined, policy: VerificationPolicy): VerifiedSigner {
  let entity = signedEntity(bundle, data);
  const tlogEntry = bundle.verificationMaterial.tlogEntries[0];
  let tlog = tlogEntry ? { logIndex: tlogEntry.logIndex, integratedTime: tlogEntry.integratedTime } : undefined;

  if (policy.kind === 'key') {
    if (bundle.verificationMaterial.content.$case !== 'publicKey') {
      throw new ShipshapeError('check', 'signed with a certificate (keyless), but a key was required');
    }
    // Key-based signatures need no log or timestamp (cosign --key with --tlog-upload=false). Log entries
    // and timestamps that are present are checked against the trusted root when one is given; without
    // one they cannot be checked, so they are left out and not reported (cosign's --insecure-ignore-tlog).
    if (policy.trustedRoot === undefined) {
      entity = withoutWitnesses(entity);
      tlog = undefined;
    }
    const root = keyVerificationRoot(policy.trustedRoot);
    const reasons: string[] = [];
    let witnessesFailed = true;
    for (const key of policy.publicKeys) {
      try {
        new Verifier(keyTrustMaterial(key, root), { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(withKeyHash(entity, bundle, key));
        return { kind: 'key', keyHint: bundle.verificationMaterial.content.publicKey.hint || undefined, tlog };
      } catch (error) {
        reasons.push(describe(error));
        // sigstore-js checks log entries and timestamps before the signature: say which one failed.
        witnessesFailed &&= /^(TLOG|TIMESTAMP)_/.test((error as { code?: string }).code ?? '');
      }
    }
    if (witnessesFailed && policy.publicKeys.length > 0) {
      throw new ShipshapeError('check', `the bundle's transparency-log entry or timestamp does not verify against the trusted root: ${unique(reasons).join('; ')}`);
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
  const githubWorkflow = githubWorkflowClaims(signer.identity?.oids, issuer);
  return { kind: 'keyless', identity, issuer, tlog, ...(githubWorkflow ? { githubWorkflow } : {}) };
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
    // Go's syntax (RE2), as cosign reads these flags: (?i), (?P<name>), \A, \z, [[:alpha:]]; no lookaround.
    return goRegExp(pattern);
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

function keyVerificationRoot(trustedRoot: unknown): TrustedRoot {
  if (trustedRoot === undefined) return TrustedRoot.fromJSON(EMPTY_ROOT);
  if (typeof trustedRoot !== 'object' || trustedRoot === null) throw new ShipshapeError('config', 'the Sigstore trusted root is not a JSON object');
  try {
    const root = TrustedRoot.fromJSON(trustedRoot);
    toTrustMaterial(root);
    return root;
  } catch (error) {
    throw new ShipshapeError('config', `the Sigstore trusted root is not usable: ${describe(error)}`, { hint: 'pass a trusted_root.json from your Sigstore instance with --trusted-root' });
  }
}

function keyTrustMaterial(key: KeyObject, root: TrustedRoot): TrustMaterial {
  // The bundle's key hint is advisory: the policy's key is the one to try, whatever hint was written.
  return toTrustMaterial(root, () => ({ publicKey: key, validFor: () => true }));
}

function withoutWitnesses(entity: SignedEntity): SignedEntity {
  return { ...entity, tlogEntries: [], timestamps: [] };
}

/**
 * DSSE signatures by P-384/P-521 keys use the curve's hash (SHA-384/512), as cosign and our key signer
 * do, but @sigstore/verify checks EC signatures with SHA-256: verify those over the PAE with the right hash.
 */
function withKeyHash(entity: SignedEntity, bundle: Bundle, key: KeyObject): SignedEntity {
  const algorithm = keyAlgorithm(key);
  const hash = 'algorithm' in algorithm ? algorithm.algorithm.hash : undefined;
  if (bundle.content.$case !== 'dsseEnvelope' || hash === undefined || hash === 'sha256' || key.asymmetricKeyType !== 'ec') return entity;
  const envelope = bundle.content.dsseEnvelope;
  const pae = preAuthEncoding(envelope.payloadType, envelope.payload);
  const signature = entity.signature;
  return { ...entity, signature: { ...signature, verifySignature: (k: KeyObject) => cryptoVerify(hash, pae, k, signature.signature) } };
}

function describe(error: unknown): string {
  const e = error as { message?: string; code?: string };
  return e.message ? e.message.replace(/^[A-Z_]+: /, '') : String(error);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
