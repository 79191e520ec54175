/**
 * The signing and verification flags, defined once: `image sign|verify`, `provenance generate --attach`
 * and `attest verify` take the same flags with the same meaning, and turn them into the same CLI
 * layer of the configuration (flags win over security.yaml, DESIGN.md "Configuration").
 */
import { Option, type Command } from 'commander';
import { ShipshapeError } from '../errors';
import type { SignatureFormat } from '../signing/types';

export interface SigningFlags {
  key?: string;
  keyless?: boolean;
  signatureFormat?: SignatureFormat;
}

export interface VerificationFlags {
  key?: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
  trustedRoot?: string;
}

/** `--key`, `--keyless`, `--signature-format`: how to sign and where to store it. */
export function addSigningFlags(command: Command): Command {
  return command
    .option('--key <ref>', 'private key: cosign.key, a PEM file, env://VAR (password from COSIGN_PASSWORD)')
    .option('--keyless', 'sign with Sigstore keyless (Fulcio certificate for the CI OIDC token, Rekor entry)')
    .addOption(new Option('--signature-format <format>', 'bundle (cosign v3), legacy (.sig tag: cosign v2, Kyverno) or both').choices(['bundle', 'legacy', 'both']));
}

/** `--key` or `--certificate-identity[-regexp]` + `--certificate-oidc-issuer[-regexp]`, and `--trusted-root`. */
export function addVerificationFlags(command: Command): Command {
  return command
    .option('--key <ref>', 'public key (cosign.pub, env://VAR) or a private key to take the public half of')
    .option('--certificate-identity <identity>', 'the exact signer identity (certificate SAN)')
    .option('--certificate-identity-regexp <regexp>', 'a regexp the signer identity must match (Go syntax, unanchored)')
    .option('--certificate-oidc-issuer <url>', 'the exact OIDC issuer')
    .option('--certificate-oidc-issuer-regexp <regexp>', 'a regexp the OIDC issuer must match')
    .option('--trusted-root <file>', 'a Sigstore trusted_root.json (default: the public-good root via TUF)');
}

/** True when any signing flag was given. */
export function hasSigningFlags(flags: SigningFlags): boolean {
  return flags.key !== undefined || flags.keyless === true || flags.signatureFormat !== undefined;
}

/** The configuration layer the signing flags make; only the flags given are set. */
export function signingLayer(flags: SigningFlags): { signing: Record<string, unknown> } {
  if (flags.key && flags.keyless) throw new ShipshapeError('usage', '--key and --keyless are two ways of signing; pass one');
  return {
    signing: {
      // A key on the command line overrides `keyless: true` in security.yaml (the schema refuses both).
      ...(flags.key ? { key: flags.key, keyless: false } : {}),
      ...(flags.keyless ? { keyless: true } : {}),
      ...(flags.signatureFormat ? { format: flags.signatureFormat } : {}),
    },
  };
}

/** The configuration layer the verification flags make (`signing.verify`, `signing.trustedRoot`). */
export function verificationLayer(flags: VerificationFlags): { signing: Record<string, unknown> } {
  const identityFlags = {
    identity: flags.certificateIdentity,
    identityRegexp: flags.certificateIdentityRegexp,
    oidcIssuer: flags.certificateOidcIssuer,
    oidcIssuerRegexp: flags.certificateOidcIssuerRegexp,
  };
  const anyIdentityFlag = Object.values(identityFlags).some((v) => v !== undefined);
  if (flags.key && anyIdentityFlag) throw new ShipshapeError('usage', '--key and --certificate-* are two ways of verifying; pass one');
  const verify = flags.key ? { key: flags.key } : anyIdentityFlag ? dropUndefined(identityFlags) : {};
  return { signing: { verify, ...(flags.trustedRoot ? { trustedRoot: flags.trustedRoot } : {}) } };
}

function dropUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
