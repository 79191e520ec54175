/** `shipshape image digest`: what an image reference resolves to, by digest. */
import type { Command } from 'commander';
import { describeImage } from '../../oci/image';
import { openImage } from '../../oci/open';
import type { CommandContext } from '../context';
import { loadCommandConfig, registryClientFor } from '../engine';

export function registerImageCommands(program: Command, context: () => CommandContext): void {
  const image = program.command('image').description('resolve, sign, verify and scan images');

  image
    .command('digest')
    .description('print the digest an image reference resolves to (--output json: reference, media type, platforms)')
    .requiredOption('--image <ref>', 'REGISTRY/REPO[:TAG][@DIGEST], oci:DIR[:TAG|@DIGEST] or docker-archive:FILE')
    .action(async (options: { image: string }) => digest(options.image, context()));
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
