/**
 * in-toto Statements (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md): what every
 * attestation and every bundle-format signature signs. We write v1; we read v1 and v0.1, which
 * `cosign attest` still writes. Statements read from a registry are untrusted input, so they are
 * parsed with zod before anything looks at them.
 */
import { z } from 'zod';
import { ShipshapeError } from '../errors';
import { DOCKER_HUB, type RegistryReference } from '../oci/reference';

export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
/** What `cosign attest` writes (in-toto-golang's StatementInTotoV01). */
export const IN_TOTO_STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1';

/** Predicate types Shipshape writes or checks (DESIGN.md "Formats written to the registry"). */
export const PREDICATE_TYPES = {
  cosignSign: 'https://sigstore.dev/cosign/sign/v1',
  cyclonedx: 'https://cyclonedx.org/bom',
  spdx: 'https://spdx.dev/Document',
  slsaProvenanceV1: 'https://slsa.dev/provenance/v1',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
} as const;

const digestSet = z.record(z.string().min(1), z.string().min(1));

export const resourceDescriptorSchema = z
  .object({
    name: z.string().optional(),
    uri: z.string().optional(),
    digest: digestSet.optional(),
    annotations: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();
export type ResourceDescriptor = z.infer<typeof resourceDescriptorSchema>;

export const statementSchema = z
  .object({
    _type: z.enum([IN_TOTO_STATEMENT_V1, IN_TOTO_STATEMENT_V01]),
    subject: z.array(resourceDescriptorSchema).min(1, 'a statement names at least one subject'),
    predicateType: z.string().min(1),
    predicate: z.unknown().optional(),
  })
  .loose();

export interface Statement<P = unknown> {
  _type: typeof IN_TOTO_STATEMENT_V1 | typeof IN_TOTO_STATEMENT_V01;
  subject: ResourceDescriptor[];
  predicateType: string;
  predicate?: P;
}

/** A v1 Statement; key order is the spec's, so the signed bytes read naturally. */
export function makeStatement<P>(subject: ResourceDescriptor[], predicateType: string, predicate: P): Statement<P> {
  if (subject.length === 0) throw new ShipshapeError('input', 'an in-toto statement needs at least one subject');
  return { _type: IN_TOTO_STATEMENT_V1, subject, predicateType, predicate };
}

/**
 * The subject for an image, as cosign writes it: `{name: <registry>/<repository>, digest: {sha256: <hex>}}`
 * (`cosign attest` names the repository without tag or digest; `cosign sign` in bundle format omits the
 * name — pass no name for that). Annotations are cosign's `-a key=value` claims.
 */
export function imageSubject(digest: string, name?: string, annotations?: Record<string, unknown>): ResourceDescriptor {
  const [algorithm, hex] = splitDigest(digest);
  const subject: ResourceDescriptor = {};
  if (name !== undefined) subject.name = name;
  subject.digest = { [algorithm]: hex };
  if (annotations !== undefined) subject.annotations = annotations;
  return subject;
}

/**
 * The repository name cosign (go-containerregistry) writes for a registry image: `registry/repository`
 * with Docker Hub spelled `index.docker.io`, as in `docker-reference` and attestation subjects.
 */
export function cosignRepositoryName(reference: RegistryReference): string {
  const registry = reference.registry === DOCKER_HUB ? 'index.docker.io' : reference.registry;
  return `${registry}/${reference.repository}`;
}

/** Parses the bytes of a statement (a DSSE payload); throws an 'input' error saying what is wrong. */
export function parseStatement(payload: Buffer, where: string): Statement {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new ShipshapeError('input', 'the in-toto statement is not valid JSON', { where });
  }
  const result = statementSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.join('.') || '(root)';
    throw new ShipshapeError('input', `not an in-toto statement: ${path}: ${issue?.message}`, { where });
  }
  return result.data as Statement;
}

/** Whether any subject carries `digest` (`sha256:<hex>`); hex compares case-insensitively, as digests are hex. */
export function statementCoversDigest(statement: Statement, digest: string): boolean {
  const [algorithm, hex] = splitDigest(digest);
  return statement.subject.some((s) => s.digest?.[algorithm]?.toLowerCase() === hex.toLowerCase());
}

/** `sha256:<hex>` digests of every subject, for messages. */
export function subjectDigests(statement: Statement): string[] {
  return statement.subject.flatMap((s) => Object.entries(s.digest ?? {}).map(([algorithm, hex]) => `${algorithm}:${hex}`));
}

function splitDigest(digest: string): [string, string] {
  const colon = digest.indexOf(':');
  if (colon <= 0 || colon === digest.length - 1) throw new ShipshapeError('input', `"${digest}" is not a digest (expected ALGORITHM:HEX)`);
  return [digest.slice(0, colon), digest.slice(colon + 1)];
}
