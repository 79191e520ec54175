/**
 * The shapes every signing and verification module agrees on. Signing goes through sigstore-js's
 * bundle builders (@sigstore/sign) with a Signer (a key, or Fulcio for keyless) and witnesses
 * (Rekor, a TSA); verification through @sigstore/verify. Both storage formats — the Sigstore bundle
 * referrer (cosign v3) and the legacy `.sig` tag (cosign v1/v2) — are produced from, and checked as,
 * sigstore bundles, so there is one signing path and one verifier.
 */
import type { KeyObject } from 'node:crypto';
import type { Signer, Witness } from '@sigstore/sign';

/** How an image gets signed: the signer plus whatever must witness the signature. */
export interface SigningSetup {
  kind: 'key' | 'keyless';
  signer: Signer;
  /** Rekor and/or TSA for keyless; none for a plain key (as `cosign sign --key --tlog-upload=false`). */
  witnesses: Witness[];
  /** For output: "key cosign.pub (ECDSA P-256)" or "keyless (Fulcio https://…)". Never secret. */
  description: string;
}

/** Where signatures are stored: DESIGN.md "Formats written to the registry". */
export type SignatureFormat = 'bundle' | 'legacy' | 'both';

/** What a verifier accepts. */
export type VerificationPolicy =
  | {
      kind: 'key';
      /** Any of these keys may have signed. */
      publicKeys: KeyObject[];
      /**
       * A Sigstore trusted_root.json (parsed JSON) to check the transparency-log entries and timestamps a
       * key-signed bundle may carry (cosign signs with --key and uploads to Rekor by default). Without
       * one, those are not checked and not reported.
       */
      trustedRoot?: unknown;
    }
  | {
      kind: 'keyless';
      /** Exact certificate identity (SAN), or a regexp matched as cosign does (Go RE2 semantics, unanchored). */
      identity?: string;
      identityRegexp?: string;
      /** Exact OIDC issuer, or a regexp. */
      issuer?: string;
      issuerRegexp?: string;
      /** A Sigstore trusted_root.json (parsed JSON): Fulcio CAs, Rekor keys, CT logs, TSAs. */
      trustedRoot: unknown;
    };

/** One signature that verified, described for the user ("who signed what"). */
export interface VerifiedSignature {
  format: 'bundle' | 'legacy';
  /** The digest the signature covers (always the image's digest when returned). */
  digest: string;
  /** The repository named inside the signed payload / statement subject. */
  signedReference?: string;
  signer:
    | { kind: 'key'; keyHint?: string }
    | { kind: 'keyless'; identity: string; issuer: string; githubWorkflow?: Record<string, string> };
  /** Transparency-log proof, when there is one. */
  tlog?: { logIndex: string; integratedTime: string };
  /** Where it is stored: the referrer manifest digest or the `.sig` tag. */
  location: string;
}

/** The outcome of checking every signature on an image against a policy. */
export interface ImageVerification {
  image: string;
  digest: string;
  verified: VerifiedSignature[];
  /** Why the others did not count — shown when nothing verified. */
  rejected: { location: string; format: 'bundle' | 'legacy'; reason: string }[];
}

export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';
export const SIGSTORE_BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
