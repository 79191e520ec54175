/** `shipshape image digest|sign|verify`: one image at a time, the same engine the Nx executors use. */
import type { Command } from 'commander';
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
import { registerImageScanCommand } from './scan';
import { addSigningFlags, addVerificationFlags, signingLayer, verificationLayer, type SigningFlags, type VerificationFlags } from '../signing-flags';

const IMAGE_HELP = 'REGISTRY/REPO[:TAG][@DIGEST], oci:DIR[:TAG|@DIGEST] or docker-archive:FILE';

interface SignFlags extends SigningFlags {
  image: string;
}

interface VerifyFlags extends VerificationFlags {
  image: string;
}

export function registerImageCommands(program: Command, context: () => CommandContext): void {
  const image = program.command('image').description('resolve, sign, verify and scan images');

  image
    .command('digest')
    .description('print the digest an image reference resolves to (--output json: reference, media type, platforms)')
    .requiredOption('--image <ref>', IMAGE_HELP)
    .action(async (options: { image: string }) => digest(options.image, context()));

  addSigningFlags(
    image
      .command('sign')
      .description('sign an image by digest (a tag is resolved first), cosign-compatible')
      .requiredOption('--image <ref>', IMAGE_HELP),
  ).action(async (options: SignFlags) => sign(options, context()));

  addVerificationFlags(
    image
      .command('verify')
      .description('verify the signatures of an image: with a public key, or a keyless identity and issuer')
      .requiredOption('--image <ref>', IMAGE_HELP),
  ).action(async (options: VerifyFlags) => verify(options, context()));

  registerImageScanCommand(image, context);
}

async function digest(image: string, context: CommandContext): Promise<void> {
  const loaded = await loadCommandConfig(context);
  const client = await registryClientFor(context, loaded);
  try {
    const description = await describeImage(openImage(image, { client }));
    const note = description.digestKind === 'config' ? '\n(docker-archive: this is the image config digest; the archive holds no registry manifest)' : '';
    context.print({ text: `${description.digest}${note}`, json: description });
  } finally {
    client.close();
  }
}

async function sign(flags: SignFlags, context: CommandContext): Promise<void> {
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

async function verify(flags: VerifyFlags, context: CommandContext): Promise<void> {
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
