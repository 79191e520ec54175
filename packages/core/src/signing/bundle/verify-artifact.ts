/**
 * Verifying a Sigstore bundle for an artifact outside any registry (`shipshape verify-bundle`, the
 * sigstore-conformance `verify-bundle` flow): the artifact is a file or only its `sha256:` digest.
 *   - A message-signature bundle signs the artifact: the verifier checks the signature over the file,
 *     or over the digest, and that the bundle's message digest is the artifact's.
 *   - A DSSE bundle signs an in-toto statement: after the signature holds, one of the statement's
 *     subjects must carry the artifact's digest.
 */
import { createHash } from 'node:crypto';
import type { Bundle } from '@sigstore/bundle';
import { bundleStatement } from '../../attest/dsse';
import { statementCoversDigest, subjectDigests, type Statement } from '../../attest/statement';
import { ShipshapeError } from '../../errors';
import type { VerificationPolicy } from '../types';
import { verifyBundle, type VerifiedSigner } from '../verifier';
import type { ArtifactDigest } from './signed-entity';

export type ArtifactInput = { kind: 'file'; name: string; data: Buffer } | { kind: 'digest'; name: string; digest: ArtifactDigest };

export interface ArtifactVerification {
  signer: VerifiedSigner;
  content: 'messageSignature' | 'dsseEnvelope';
  /** `sha256:<hex>` of the artifact. */
  digest: string;
  /** For DSSE bundles: the verified statement's predicate type. */
  predicateType?: string;
}

export function verifyArtifactBundle(bundle: Bundle, artifact: ArtifactInput, policy: VerificationPolicy): ArtifactVerification {
  const digest = artifact.kind === 'file' ? createHash('sha256').update(artifact.data).digest() : artifact.digest.digest;
  const digestText = `sha256:${digest.toString('hex')}`;

  if (bundle.content.$case === 'messageSignature') {
    const signer = verifyBundle(bundle, artifact.kind === 'file' ? artifact.data : artifact.digest, policy);
    return { signer, content: 'messageSignature', digest: digestText };
  }

  // Parsed before verifying only to fail early on a payload that is not a statement; trusted only after.
  let statement: Statement;
  try {
    statement = bundleStatement(bundle, 'the bundle');
  } catch (error) {
    if (error instanceof ShipshapeError) throw new ShipshapeError('check', error.message);
    throw error;
  }
  const signer = verifyBundle(bundle, undefined, policy);
  if (!statementCoversDigest(statement, digestText)) {
    throw new ShipshapeError('check', `${artifact.name} (${digestText}) is not a subject of the signed statement (subjects: ${subjectDigests(statement).join(', ') || 'none with a digest'})`);
  }
  return { signer, content: 'dsseEnvelope', digest: digestText, predicateType: statement.predicateType };
}
