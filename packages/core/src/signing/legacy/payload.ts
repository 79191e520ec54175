/**
 * cosign's simple-signing payload (sigstore/sigstore pkg/signature/payload, after the containers/image
 * "atomic container signature" format): the bytes a legacy `.sig` signature covers.
 *
 *   {"critical":{"identity":{"docker-reference":REPO},"image":{"docker-manifest-digest":DIGEST},
 *    "type":"cosign container image signature"},"optional":null}
 *
 * Written exactly as cosign writes it (struct field order, `optional` a sorted map or null, Go's
 * string escaping), so a payload we sign is the payload cosign would have signed.
 */
import { z } from 'zod';
import { ShipshapeError } from '../../errors';
import { goJson, goMap } from './go-json';

export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

/** go-containerregistry names Docker Hub `index.docker.io`; cosign writes that name into the payload. */
const GO_DOCKER_HUB = 'index.docker.io';

export interface SimpleSigningPayload {
  /** `critical.identity.docker-reference`: the repository the signer claims the image is. */
  dockerReference: string;
  /** `critical.image.docker-manifest-digest`: the digest the signature covers. */
  digest: string;
  type: string;
  /** `optional`: annotations given with `cosign sign -a KEY=VALUE`, unsigned-by-policy metadata. */
  optional: Record<string, unknown> | null;
}

/**
 * The payload for an image: `repository` is `registry/path` without tag or digest (what cosign
 * writes by default); Docker Hub's `docker.io` becomes `index.docker.io`, as in cosign's payloads.
 */
export function simpleSigningPayload(repository: string, digest: string, annotations?: Record<string, string>): Buffer {
  const optional = annotations && Object.keys(annotations).length > 0 ? goMap({ ...annotations }) : null;
  const document = {
    critical: {
      identity: { 'docker-reference': cosignDockerReference(repository) },
      image: { 'docker-manifest-digest': digest },
      type: COSIGN_SIGNATURE_TYPE,
    },
    optional,
  };
  return Buffer.from(goJson(document), 'utf8');
}

/** `docker.io/library/x` → `index.docker.io/library/x`; anything else as given. */
export function cosignDockerReference(repository: string): string {
  return repository.startsWith('docker.io/') ? `${GO_DOCKER_HUB}${repository.slice('docker.io'.length)}` : repository;
}

const payloadSchema = z.object({
  critical: z.object({
    identity: z.object({ 'docker-reference': z.string() }),
    image: z.object({ 'docker-manifest-digest': z.string() }),
    type: z.string(),
  }),
  optional: z.record(z.string(), z.unknown()).nullish(),
});

/** Reads a stored payload; throws a ShipshapeError('input') naming what is missing. */
export function parseSimpleSigningPayload(bytes: Buffer, where: string): SimpleSigningPayload {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ShipshapeError('input', 'the signed payload is not JSON', { where });
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ShipshapeError('input', `the signed payload is not a cosign simple-signing payload: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`, { where });
  }
  const { critical, optional } = parsed.data;
  return {
    dockerReference: critical.identity['docker-reference'],
    digest: critical.image['docker-manifest-digest'],
    type: critical.type,
    optional: optional ?? null,
  };
}

/** Why a verified payload does not vouch for `imageDigest`, or undefined when it does (cosign's SimpleClaimVerifier). */
export function payloadMismatch(payload: SimpleSigningPayload, imageDigest: string): string | undefined {
  if (payload.type !== COSIGN_SIGNATURE_TYPE) return `the signed payload has type "${payload.type}", not "${COSIGN_SIGNATURE_TYPE}"`;
  if (payload.digest !== imageDigest) {
    return `the signature covers ${payload.digest || '(no digest)'}, not this image (${imageDigest}): it was made for another image`;
  }
  return undefined;
}
