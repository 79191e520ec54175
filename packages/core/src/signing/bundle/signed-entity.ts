/**
 * What @sigstore/verify checks, built from a bundle and what the caller knows about the artifact:
 *   - a DSSE bundle carries its payload (the caller checks the statement's subject);
 *   - a message-signature bundle needs the artifact — its bytes, or only its digest (the conformance
 *     protocol's `sha256:HEX` input). The bundle's own `messageDigest` must be the artifact's digest
 *     (sigstore-js checks it only against a log entry, and a key-signed bundle may have none), and with
 *     only a digest the signature is checked over that digest (prehashed.ts).
 */
import { createHash } from 'node:crypto';
import type { Bundle } from '@sigstore/bundle';
import { HashAlgorithm } from '@sigstore/protobuf-specs';
import { toSignedEntity, type SignedEntity } from '@sigstore/verify';
import { ShipshapeError } from '../../errors';
import { prehashUnsupportedReason, verifyPrehashed, type PrehashAlgorithm } from './prehashed';

/** An artifact known only by its digest. */
export interface ArtifactDigest {
  algorithm: PrehashAlgorithm;
  digest: Buffer;
}

const HASHES: Partial<Record<HashAlgorithm, PrehashAlgorithm>> = {
  [HashAlgorithm.SHA2_256]: 'sha256',
  [HashAlgorithm.SHA2_384]: 'sha384',
  [HashAlgorithm.SHA2_512]: 'sha512',
};

export function isArtifactDigest(value: unknown): value is ArtifactDigest {
  return typeof value === 'object' && value !== null && !Buffer.isBuffer(value) && Buffer.isBuffer((value as ArtifactDigest).digest);
}

/** Parses `sha256:<64 hex>` (the only digest form the conformance protocol defines). */
export function parseArtifactDigest(text: string): ArtifactDigest | undefined {
  const match = /^sha256:([0-9a-fA-F]{64})$/.exec(text);
  return match ? { algorithm: 'sha256', digest: Buffer.from(match[1]!, 'hex') } : undefined;
}

export function signedEntity(bundle: Bundle, artifact: Buffer | ArtifactDigest | undefined): SignedEntity {
  if (bundle.content.$case === 'dsseEnvelope') return toSignedEntity(bundle);
  const { messageDigest, signature } = bundle.content.messageSignature;
  if (artifact === undefined) {
    throw new ShipshapeError('usage', 'this bundle signs an artifact (a message signature); the artifact or its digest is needed to verify it');
  }
  const algorithm = messageDigest ? HASHES[messageDigest.algorithm] : undefined;
  if (!messageDigest || !algorithm) throw new ShipshapeError('check', 'the bundle does not name a supported message digest (SHA-256, SHA-384 or SHA-512)');

  if (Buffer.isBuffer(artifact)) {
    const actual = createHash(algorithm).update(artifact).digest();
    if (!actual.equals(messageDigest.digest)) throw new ShipshapeError('check', `the artifact's ${algorithm} digest does not match the digest the bundle signs`);
    return toSignedEntity(bundle, artifact);
  }

  if (artifact.algorithm !== algorithm) {
    throw new ShipshapeError('check', `the bundle signs a ${algorithm} digest; a ${artifact.algorithm} digest was given`);
  }
  if (!artifact.digest.equals(messageDigest.digest)) throw new ShipshapeError('check', `the given ${algorithm} digest is not the digest the bundle signs`);
  const entity = toSignedEntity(bundle, Buffer.alloc(0));
  return {
    ...entity,
    signature: {
      signature,
      compareSignature: (other) => other.equals(signature),
      compareDigest: (other) => other.equals(messageDigest.digest),
      verifySignature: (key) => {
        const unsupported = prehashUnsupportedReason(key);
        if (unsupported) throw new ShipshapeError('usage', `cannot verify from a digest: ${unsupported}`);
        return verifyPrehashed(key, artifact.digest, signature, algorithm);
      },
    },
  };
}
