/** What `shipshape image sign|verify` do (their flags are in ./image.ts), loaded only when one of them runs. */
import { ShipshapeError } from '../../errors';
import { describeImage } from '../../oci/image';
import { openImage } from '../../oci/open';
import { createSigningSetups } from '../../signing/setup';
import { signImage } from '../../signing/sign-image';
import { verificationPolicy } from '../../signing/policy';
import { verifyImage } from '../../signing/verify-image';
import { runCosignSign, runCosignVerify, cosignSignRequestFromConfig, cosignVerifyRequestFromConfig } from '../../signing/cosign';
import type { ImageVerification, VerifiedSignature } from '../../signing/types';
import type { CommandContext } from '../context';
import { loadCommandConfig, registryClientFor } from '../engine';
import { signingLayer, verificationLayer } from '../signing-flags';
import type { SignFlags, VerifyFlags } from './image';

export async function sign(flags: SignFlags, context: CommandContext): Promise<void> {
  const { config, ...loaded } = await loadCommandConfig(context, signingLayer(flags));
  const client = await registryClientFor(context, { config, ...loaded });
  try {
    const opened = openImage(flags.image, { client });
    if (config.signing.tool === 'cosign') {
      const described = await describeImage(opened);
      const request = cosignSignRequestFromConfig(config.signing, described.reference, config.registries);
      await runCosignSign({ request, logger: context.logger, env: context.io.env, cwd: context.io.cwd });
      context.print({ text: `Signed ${described.reference} with cosign (${config.signing.format})`, json: { image: described.reference, digest: described.digest, tool: 'cosign', format: config.signing.format } });
      return;
    }
    const setups = await createSigningSetups(config.signing, { env: context.io.env, logger: context.logger, cwd: context.io.cwd });
    const result = await signImage(opened, setups, config.signing.format, context.logger);
    const lines = result.signatures.map((s) => `  ${s.format}: ${s.location}${s.added ? '' : ' (already present)'}`);
    context.print({ text: [`Signed ${result.image}`, `  signer: ${result.signer}`, ...lines].join('\n'), json: result });
  } finally {
    client.close();
  }
}

export async function verify(flags: VerifyFlags, context: CommandContext): Promise<void> {
  const { config, ...loaded } = await loadCommandConfig(context, verificationLayer(flags));
  const client = await registryClientFor(context, { config, ...loaded });
  try {
    const opened = openImage(flags.image, { client });
    if (config.signing.tool === 'cosign') {
      const described = await describeImage(opened);
      const result = await runCosignVerify({ request: cosignVerifyRequestFromConfig(config.signing, described.reference, config.registries), logger: context.logger, env: context.io.env, cwd: context.io.cwd });
      context.print({ text: `Verified ${described.reference} with cosign: ${result.verified.length} signature(s)`, json: result });
      return;
    }
    const policy = await verificationPolicy(config.signing, { env: context.io.env, cwd: context.io.cwd });
    const result = await verifyImage(opened, policy);
    context.print({ text: describeVerification(result), json: result });
    if (result.verified.length === 0) {
      const reasons = result.rejected.map((r) => `${r.format} ${r.location}: ${r.reason}`);
      throw new ShipshapeError('check', `no valid signature matches the policy for ${result.image}${reasons.length ? `:\n  ${reasons.join('\n  ')}` : ' (the image has no signatures)'}`);
    }
  } finally {
    client.close();
  }
}

function describeVerification(result: ImageVerification): string {
  if (result.verified.length === 0) return '';
  return [`Verified ${result.image}: ${result.verified.length} signature(s)`, ...result.verified.map((s) => `  ${describeSignature(s)}`)].join('\n');
}

function describeSignature(signature: VerifiedSignature): string {
  const who = signature.signer.kind === 'key' ? `key${signature.signer.keyHint ? ` ${signature.signer.keyHint}` : ''}` : `${signature.signer.identity} (issuer ${signature.signer.issuer})`;
  const tlog = signature.tlog ? `, Rekor log index ${signature.tlog.logIndex}` : '';
  return `${signature.format}: signed by ${who}${tlog} — ${signature.location}`;
}
