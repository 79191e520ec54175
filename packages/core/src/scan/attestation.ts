/**
 * Scan results as signed attestations, in cosign's vulnerability predicate
 * (`https://cosign.sigstore.dev/attestation/vuln/v1`, sigstore/cosign pkg/cosign/attestation):
 * `invocation {parameters, uri, event_id, builder.id}`, `scanner {uri, version, db {uri, version},
 * result}`, `metadata {scanStartedOn, scanFinishedOn}`. As `trivy --format cosign-vuln` and
 * `cosign attest --type vuln` do, `scanner.result` is the scanner's own report, one attestation per
 * scanner, so policies written for grype's or trivy's report (Kyverno, OPA) read it unchanged.
 */
import { attachAttestation, type AttachedAttestation } from '../attest/attestation';
import { imageSubject, makeStatement, PREDICATE_TYPES, type Statement } from '../attest/statement';
import type { CiContext } from '../ci/context';
import type { ScanToolName } from '../config/schema';
import type { SecretRegistry } from '../exec/secrets';
import type { Descriptor } from '../oci/manifest';
import type { ImageStore } from '../oci/store';
import type { SigningSetups } from '../signing/setup';
import type { SignatureFormat } from '../signing/types';
import type { ToolRunSummary } from './model';

export const VULN_PREDICATE_TYPE = PREDICATE_TYPES.vuln;

export interface CosignVulnPredicate {
  invocation: { parameters: unknown; uri: string; event_id: string; 'builder.id': string };
  scanner: { uri: string; version: string; db: { uri: string; version: string }; result: unknown };
  metadata: { scanStartedOn: string; scanFinishedOn: string };
}

const SCANNER_PURLS: Readonly<Record<ScanToolName, string>> = { grype: 'pkg:github/anchore/grype', trivy: 'pkg:github/aquasecurity/trivy' };

export interface VulnPredicateInput {
  run: ToolRunSummary;
  /** The scanner's report, as it wrote it. */
  rawReport: string;
  args?: readonly string[];
  ci?: Pick<CiContext, 'runUrl' | 'runId' | 'builderId'>;
  /** Strings in the report that are secrets are masked before it is signed and published. */
  secrets: SecretRegistry;
}

export function vulnPredicate(input: VulnPredicateInput): CosignVulnPredicate {
  const { run } = input;
  const version = run.version ?? '';
  return {
    invocation: {
      parameters: input.args ? [...input.args] : null,
      uri: input.ci?.runUrl ?? '',
      event_id: input.ci?.runId ?? '',
      'builder.id': input.ci?.builderId ?? '',
    },
    scanner: {
      uri: version ? `${SCANNER_PURLS[run.tool]}@${version}` : SCANNER_PURLS[run.tool],
      version,
      db: { uri: run.database?.source ?? '', version: run.database?.version ?? '' },
      result: input.secrets.redactValue(JSON.parse(input.rawReport) as unknown),
    },
    metadata: { scanStartedOn: run.startedAt ?? '', scanFinishedOn: run.finishedAt ?? '' },
  };
}

export function vulnStatement(subject: Descriptor, subjectName: string | undefined, predicate: CosignVulnPredicate): Statement<CosignVulnPredicate> {
  return makeStatement([imageSubject(subject.digest, subjectName)], VULN_PREDICATE_TYPE, predicate);
}

export interface AttachVulnRequest extends VulnPredicateInput {
  store: ImageStore;
  subject: Descriptor;
  subjectName?: string;
  setups: SigningSetups;
  signatureFormat: SignatureFormat;
}

export async function attachVulnAttestation(request: AttachVulnRequest): Promise<AttachedAttestation[]> {
  const statement = vulnStatement(request.subject, request.subjectName, vulnPredicate(request));
  return attachAttestation(request.store, request.subject, statement, request.setups, request.signatureFormat);
}
