/**
 * `shipshape attest verify`: the attestations of one predicate type on an image, as `cosign
 * verify-attestation --type` checks them — the signature against the policy (key, or keyless identity
 * and issuer), the statement's subject against the image digest, the predicate type — and, for SLSA
 * provenance, what the caller expects of the source and the builder. One attestation that holds in
 * every respect passes; otherwise exit 1 with each attestation's reason.
 */
import type { Command } from 'commander';
import { verifyAttestations, type VerifiedStatement } from '../../attest/attestation';
import { PREDICATE_TYPES } from '../../attest/statement';
import { ShipshapeError } from '../../errors';
import { openImage } from '../../oci/open';
import { formatReference, pinDigest } from '../../oci/reference';
import { hasExpectations, provenanceMismatches, slsaProvenanceV1Schema, type ProvenanceExpectations } from '../../provenance';
import { verificationPolicy } from '../../signing/policy';
import type { CommandContext } from '../context';
import { loadCommandConfig, registryClientFor } from '../engine';
import { addVerificationFlags, verificationLayer, type VerificationFlags } from '../signing-flags';

/**
 * cosign's `--type` names (cmd/cosign/cli/options/predicate.go `PredicateTypeMap`); anything else
 * must be a predicate type URI, as in cosign.
 */
export const PREDICATE_TYPE_NAMES: Readonly<Record<string, string>> = {
  custom: 'https://cosign.sigstore.dev/attestation/v1',
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: PREDICATE_TYPES.slsaProvenanceV1,
  spdx: PREDICATE_TYPES.spdx,
  spdxjson: PREDICATE_TYPES.spdx,
  cyclonedx: PREDICATE_TYPES.cyclonedx,
  link: 'https://in-toto.io/Link/v1',
  vuln: PREDICATE_TYPES.vuln,
  openvex: 'https://openvex.dev/ns',
};

/** `--type` → predicate type URI; a usage error for a name that is neither cosign's nor a URI. */
export function predicateTypeFor(type: string): string {
  const known = PREDICATE_TYPE_NAMES[type];
  if (known) return known;
  if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(type)) return type;
  throw new ShipshapeError('usage', `--type ${type} is neither a predicate type name nor a URI`, {
    hint: `use one of ${Object.keys(PREDICATE_TYPE_NAMES).join(', ')}, or the predicate type URI`,
  });
}

interface VerifyFlags extends VerificationFlags {
  image: string;
  type: string;
  sourceUri?: string;
  sourceRef?: string;
  builderId?: string;
}

export function registerAttestCommands(program: Command, context: () => CommandContext): void {
  const attest = program.command('attest').description('verify the signed attestations attached to images');

  addVerificationFlags(
    attest
      .command('verify')
      .description('verify the attestations of one type on an image: signature and policy, subject digest, predicate type, and for provenance the expected source and builder')
      .requiredOption('--image <ref>', 'REGISTRY/REPO[:TAG][@DIGEST] or oci:DIR[:TAG|@DIGEST]')
      .requiredOption('--type <type>', `slsaprovenance1, cyclonedx, spdxjson, vuln (cosign's names: ${Object.keys(PREDICATE_TYPE_NAMES).join('|')}) or a predicate type URI`),
  )
    .option('--source-uri <uri>', 'provenance only: the source repository the image was built from (github.com/o/r, git+https://…@ref)')
    .option('--source-ref <ref>', 'provenance only: the Git ref it was built from (refs/heads/main, or main, v1.2.0)')
    .option('--builder-id <id>', 'provenance only: the builder id (exact, or without @ref for any version)')
    .action(async (flags: VerifyFlags) => verify(flags, context()));
}

async function verify(flags: VerifyFlags, context: CommandContext): Promise<void> {
  const predicateType = predicateTypeFor(flags.type);
  const expected: ProvenanceExpectations = { sourceUri: flags.sourceUri, sourceRef: flags.sourceRef, builderId: flags.builderId };
  if (hasExpectations(expected) && predicateType !== PREDICATE_TYPES.slsaProvenanceV1) {
    throw new ShipshapeError('usage', '--source-uri, --source-ref and --builder-id are expectations of SLSA v1 provenance', { hint: 'use them with --type slsaprovenance1' });
  }
  const { config, ...loaded } = await loadCommandConfig(context, verificationLayer(flags));
  const client = await registryClientFor(context, { config, ...loaded });
  try {
    const opened = openImage(flags.image, { client });
    const policy = await verificationPolicy(config.signing, { env: context.io.env, cwd: context.io.cwd });
    const descriptor = await opened.store.resolve(opened.tagOrDigest);
    const { reference } = opened;
    const image = reference.kind === 'docker-archive' ? formatReference(reference) : formatReference(pinDigest(reference, descriptor.digest));

    const result = await verifyAttestations(opened.store, descriptor.digest, policy, predicateType);
    const verified: VerifiedStatement[] = [];
    const rejected = [...result.rejected];
    for (const candidate of result.verified) {
      const reasons = hasExpectations(expected) ? provenanceMismatches(candidate.statement.predicate, expected) : [];
      if (reasons.length === 0) verified.push(candidate);
      else rejected.push({ format: candidate.format, location: candidate.location, reason: reasons.join('; ') });
    }

    context.print({
      text: verified.length ? describe(image, predicateType, verified, rejected.length) : '',
      json: { image, digest: descriptor.digest, predicateType, verified, rejected },
    });
    if (verified.length > 0) for (const r of rejected) context.logger.debug(`not counted: ${r.format} ${r.location}: ${r.reason}`);
    if (verified.length === 0) {
      const reasons = rejected.map((r) => `${r.format} ${r.location}: ${r.reason}`);
      throw new ShipshapeError(
        'check',
        `no ${flags.type} attestation of ${image} passes verification${reasons.length ? `:\n  ${reasons.join('\n  ')}` : ` (the image has no ${predicateType} attestations)`}`,
      );
    }
  } finally {
    client.close();
  }
}

function describe(image: string, predicateType: string, verified: VerifiedStatement[], ignored: number): string {
  const lines = [`Verified ${verified.length} attestation(s) of ${predicateType} for ${image}`];
  for (const v of verified) {
    const who = v.signer.kind === 'key' ? `key${v.signer.keyHint ? ` ${v.signer.keyHint}` : ''}` : `${v.signer.identity} (issuer ${v.signer.issuer})`;
    const tlog = v.signer.tlog ? `, Rekor log index ${v.signer.tlog.logIndex}` : '';
    lines.push(`  ${v.format}: signed by ${who}${tlog} — ${v.location}`);
    const provenance = slsaProvenanceV1Schema.safeParse(v.statement.predicate);
    if (predicateType === PREDICATE_TYPES.slsaProvenanceV1 && provenance.success) {
      const sources = (provenance.data.buildDefinition.resolvedDependencies ?? []).map((d) => d.uri).filter(Boolean);
      lines.push(`    builder ${provenance.data.runDetails.builder.id}${sources.length ? `, source ${sources.join(', ')}` : ''}`);
    }
  }
  if (ignored > 0) lines.push(`  (${ignored} other attestation(s) of this type did not verify; --verbose or --output json says why)`);
  return lines.join('\n');
}
