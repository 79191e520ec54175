/** `shipshape image digest|sign|verify`: one image at a time, the same engine the Nx executors use. */
import { Option, type Command } from 'commander';
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

const IMAGE_HELP = 'REGISTRY/REPO[:TAG][@DIGEST], oci:DIR[:TAG|@DIGEST] or docker-archive:FILE';

interface SignFlags {
  image: string;
  key?: string;
  keyless?: boolean;
  signatureFormat?: 'bundle' | 'legacy' | 'both';
}

interface VerifyFlags {
  image: string;
  key?: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
  trustedRoot?: string;
}

export function registerImageCommands(program: Command, context: () => CommandContext): void {
  const image = program.command('image').description('resolve, sign and verify images');

  image
    .command('digest')
    .description('print the digest an image reference resolves to (--output json: reference, media type, platforms)')
    .requiredOption('--image <ref>', IMAGE_HELP)
    .action(async (options: { image: string }) => digest(options.image, context()));

  image
    .command('sign')
    .description('sign an image by digest (a tag is resolved first), cosign-compatible')
    .requiredOption('--image <ref>', IMAGE_HELP)
    .option('--key <ref>', 'private key: cosign.key, a PEM file, env://VAR (password from COSIGN_PASSWORD)')
    .option('--keyless', 'sign with Sigstore keyless (Fulcio certificate for the CI OIDC token, Rekor entry)')
    .addOption(new Option('--signature-format <format>', 'bundle (cosign v3), legacy (.sig tag: cosign v2, Kyverno) or both').choices(['bundle', 'legacy', 'both']))
    .action(async (options: SignFlags) => sign(options, context()));

  image
    .command('verify')
    .description('verify the signatures of an image: with a public key, or a keyless identity and issuer')
    .requiredOption('--image <ref>', IMAGE_HELP)
    .option('--key <ref>', 'public key (cosign.pub, env://VAR) or a private key to take the public half of')
    .option('--certificate-identity <identity>', 'the exact signer identity (certificate SAN)')
    .option('--certificate-identity-regexp <regexp>', 'a regexp the signer identity must match (Go syntax, unanchored)')
    .option('--certificate-oidc-issuer <url>', 'the exact OIDC issuer')
    .option('--certificate-oidc-issuer-regexp <regexp>', 'a regexp the OIDC issuer must match')
    .option('--trusted-root <file>', 'a Sigstore trusted_root.json (default: the public-good root via TUF)')
    .action(async (options: VerifyFlags) => verify(options, context()));
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
  if (flags.key && flags.keyless) throw new ShipshapeError('usage', '--key and --keyless are two ways of signing; pass one');
  const cli = { signing: { ...(flags.key ? { key: flags.key, keyless: false } : {}), ...(flags.keyless ? { keyless: true } : {}), ...(flags.signatureFormat ? { format: flags.signatureFormat } : {}) } };
  const { config, ...loaded } = await loadCommandConfig(context, cli);
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
  const identityFlags = {
    identity: flags.certificateIdentity,
    identityRegexp: flags.certificateIdentityRegexp,
    oidcIssuer: flags.certificateOidcIssuer,
    oidcIssuerRegexp: flags.certificateOidcIssuerRegexp,
  };
  const anyIdentityFlag = Object.values(identityFlags).some((v) => v !== undefined);
  if (flags.key && anyIdentityFlag) throw new ShipshapeError('usage', '--key and --certificate-* are two ways of verifying; pass one');
  const verifyLayer = flags.key ? { key: flags.key } : anyIdentityFlag ? dropUndefined(identityFlags) : {};
  const cli = { signing: { verify: verifyLayer, ...(flags.trustedRoot ? { trustedRoot: flags.trustedRoot } : {}) } };
  const { config, ...loaded } = await loadCommandConfig(context, cli);
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

function dropUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
