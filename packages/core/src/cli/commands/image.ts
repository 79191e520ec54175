/**
 * `shipshape image digest|sign|verify|scan`: one image at a time, the same engine the Nx executors use.
 * Signing, verification and scanning load their engines when they run (./image-signing.ts, ./scan-actions.ts).
 */
import type { Command } from 'commander';
import { describeImage } from '../../oci/image';
import { openImage } from '../../oci/open';
import type { CommandContext } from '../context';
import { loadCommandConfig, registryClientFor } from '../engine';
import { registerImageScanCommand } from './scan';
import { addSigningFlags, addVerificationFlags, type SigningFlags, type VerificationFlags } from '../signing-flags';

const IMAGE_HELP = 'REGISTRY/REPO[:TAG][@DIGEST], oci:DIR[:TAG|@DIGEST] or docker-archive:FILE';

export interface SignFlags extends SigningFlags {
  image: string;
}

export interface VerifyFlags extends VerificationFlags {
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
  ).action(async (options: SignFlags) => (await import('./image-signing.js')).sign(options, context()));

  addVerificationFlags(
    image
      .command('verify')
      .description('verify the signatures of an image: with a public key, or a keyless identity and issuer')
      .requiredOption('--image <ref>', IMAGE_HELP),
  ).action(async (options: VerifyFlags) => (await import('./image-signing.js')).verify(options, context()));

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
