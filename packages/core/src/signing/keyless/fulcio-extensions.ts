/**
 * The CI claims Fulcio copies from a GitHub Actions OIDC token into the signing certificate, under
 * Sigstore's OID arc 1.3.6.1.4.1.57264.1 (fulcio docs/oid-info.md). Verification reports them so a
 * user sees which workflow, repository and commit produced a signature, as `cosign verify` does.
 *
 * Two encodings exist: the original GitHub extensions (.2–.6) hold the raw string as the extension
 * value; the later, CI-neutral ones (.9–.22) hold a DER UTF8String.
 */
import { ASN1Obj } from '@sigstore/core';
import type { ObjectIdentifierValuePair } from '@sigstore/protobuf-specs';

const FULCIO_ARC = '1.3.6.1.4.1.57264.1';
export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

/** Raw-string extensions, named as cosign names them in its verify output (pkg/cosign/certextensions.go). */
const LEGACY_GITHUB_EXTENSIONS: Readonly<Record<number, string>> = {
  2: 'githubWorkflowTrigger',
  3: 'githubWorkflowSha',
  4: 'githubWorkflowName',
  5: 'githubWorkflowRepository',
  6: 'githubWorkflowRef',
};

/** DER-encoded extensions, named as Fulcio and sigstore-go name them. */
const CI_EXTENSIONS: Readonly<Record<number, string>> = {
  9: 'buildSignerURI',
  10: 'buildSignerDigest',
  11: 'runnerEnvironment',
  12: 'sourceRepositoryURI',
  13: 'sourceRepositoryDigest',
  14: 'sourceRepositoryRef',
  15: 'sourceRepositoryIdentifier',
  16: 'sourceRepositoryOwnerURI',
  17: 'sourceRepositoryOwnerIdentifier',
  18: 'buildConfigURI',
  19: 'buildConfigDigest',
  20: 'buildTrigger',
  21: 'runInvocationURI',
  22: 'sourceRepositoryVisibilityAtSigning',
};

/**
 * The GitHub workflow claims of a verified Fulcio certificate (its extensions as @sigstore/verify
 * returns them), or undefined when the certificate was not issued for a GitHub Actions token.
 */
export function githubWorkflowClaims(oids: readonly ObjectIdentifierValuePair[] | undefined, issuer: string): Record<string, string> | undefined {
  const claims: Record<string, string> = {};
  let hasGithubExtension = false;
  for (const { oid, value } of oids ?? []) {
    const id = oid?.id.join('.');
    if (!id?.startsWith(`${FULCIO_ARC}.`)) continue;
    const leaf = Number(id.slice(FULCIO_ARC.length + 1));
    if (LEGACY_GITHUB_EXTENSIONS[leaf]) {
      claims[LEGACY_GITHUB_EXTENSIONS[leaf]] = printable(Buffer.from(value));
      hasGithubExtension = true;
    } else if (CI_EXTENSIONS[leaf]) {
      claims[CI_EXTENSIONS[leaf]] = printable(derUtf8String(value));
    }
  }
  const fromGithub = hasGithubExtension || issuer === GITHUB_ACTIONS_ISSUER || issuer.startsWith(`${GITHUB_ACTIONS_ISSUER}/`);
  return fromGithub && Object.keys(claims).length > 0 ? claims : undefined;
}

/** The string inside a DER UTF8String; a value that is not one is read as raw text, as cosign does. */
function derUtf8String(value: Buffer): Buffer {
  try {
    // A copy: the parser wants a Buffer over a plain ArrayBuffer.
    const obj = ASN1Obj.parseBuffer(Buffer.from(value));
    // Universal tag 12 = UTF8String.
    if (obj.tag.isUniversal() && obj.tag.number === 12) return obj.value;
  } catch {
    // Not DER: fall through.
  }
  return value;
}

/** Certificate values end up in terminals: control characters are dropped, not interpreted. */
function printable(value: Buffer): string {
  // eslint-disable-next-line no-control-regex
  return value.toString('utf8').replace(/[\u0000-\u001f\u007f]/g, '');
}
