/**
 * `shipshape sbom generate|download`: an SBOM of one image (native, syft or trivy; CycloneDX or SPDX),
 * optionally attached as a signed attestation; and the attached SBOM read back, verified.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { SBOM_FORMATS, SBOM_TOOLS, SIGNATURE_FORMATS, type SbomFormat } from '../../config/schema';
import { ShipshapeError } from '../../errors';
import { formatPlatform } from '../../oci/manifest';
import { openImage, type OpenedImage } from '../../oci/open';
import { cosignRepositoryName } from '../../attest/statement';
import type { SigningSetups } from '../../signing/setup';
import { generateImageSboms, type ImageSbom } from '../../sbom/image-sbom';
import { platformImages } from '../../sbom/platforms';
import { sourceDateEpoch } from '../../sbom/writers';
import { addSigningFlags, addVerificationFlags, signingLayer, verificationLayer, type SigningFlags, type VerificationFlags } from '../signing-flags';
import type { CommandContext } from '../context';
import { loadCommandConfig, registryClientFor } from '../engine';

const IMAGE_HELP = 'REGISTRY/REPO[:TAG][@DIGEST], oci:DIR[:TAG|@DIGEST] or docker-archive:FILE';

interface GenerateFlags extends SigningFlags {
  image: string;
  format?: SbomFormat;
  output?: string;
  tool?: (typeof SBOM_TOOLS)[number];
  platform?: string;
  attach?: boolean;
}

interface DownloadFlags extends VerificationFlags {
  image: string;
  format?: SbomFormat;
  output?: string;
  platform?: string;
}

export function registerSbomCommands(program: Command, context: () => CommandContext): void {
  const sbom = program.command('sbom').description('generate SBOMs of images and read attached ones back');

  const generateCommand = sbom
    .command('generate')
    .description('write the SBOM of an image (by digest); --attach stores it as a signed attestation')
    .requiredOption('--image <ref>', IMAGE_HELP)
    .addOption(new Option('--format <format>', 'document format (default: sbom.format, cyclonedx-json)').choices([...SBOM_FORMATS]))
    .option('--output <file>', 'write the document here (default: stdout); with --platform all, a directory')
    .addOption(new Option('--tool <tool>', 'who catalogs the image (default: sbom.tool, native)').choices([...SBOM_TOOLS]))
    .option('--platform <platform>', 'OS/ARCH[/VARIANT] of a multi-arch image, or all (default: the host platform)')
    .option('--attach', 'attach the SBOM to the image as a signed in-toto attestation');
  addSigningFlags(generateCommand).action(async (flags: GenerateFlags) => generate(flags, context()));

  const downloadCommand = sbom
    .command('download')
    .description('print the SBOM attached to an image, after verifying its attestation (like cosign download + verify-attestation)')
    .requiredOption('--image <ref>', IMAGE_HELP)
    .addOption(new Option('--format <format>', 'which SBOM (default: sbom.format, cyclonedx-json)').choices([...SBOM_FORMATS]))
    .option('--output <file>', 'write the document here (default: stdout)')
    .option('--platform <platform>', 'OS/ARCH[/VARIANT] of a multi-arch image (default: the host platform)');
  addVerificationFlags(downloadCommand).action(async (flags: DownloadFlags) => download(flags, context()));
}

async function generate(flags: GenerateFlags, context: CommandContext): Promise<void> {
  const cli = {
    sbom: dropUndefined({ format: flags.format, tool: flags.tool, platform: flags.platform, attach: flags.attach }),
    ...signingLayer(flags),
  };
  const loaded = await loadCommandConfig(context, cli);
  const { sbom, signing } = loaded.config;
  const client = await registryClientFor(context, loaded);
  try {
    const opened = openImage(flags.image, { client });
    if (sbom.attach && !opened.store.writable) {
      throw new ShipshapeError('usage', `cannot attach an SBOM to ${opened.store.location}: it is read-only`, { hint: 'push the image to a registry (or an oci: layout) first, or drop --attach' });
    }
    // Signing material is loaded before the (long) cataloging, so a wrong password fails fast. The
    // signing stack is loaded only then: a plain `sbom generate` does not pay for it.
    const setups = sbom.attach ? await (await import('../../signing/setup.js')).createSigningSetups(signing, { env: context.io.env, logger: context.logger, cwd: context.io.cwd }) : undefined;
    const sboms = await generateImageSboms(opened, {
      format: sbom.format,
      tool: sbom.tool,
      platform: sbom.platform,
      logger: context.logger,
      env: context.io.env,
      cwd: context.io.cwd,
      client,
      timestamp: sourceDateEpoch(context.io.env),
    });
    const files = await writeDocuments(sboms, flags.output, context);
    const attached = setups ? await attachAll(opened, sboms, setups, signing.format) : [];
    const summary = sboms.map((s, i) => ({
      image: s.image.reference,
      digest: s.image.descriptor.digest,
      platform: s.image.platform ? formatPlatform(s.image.platform) : undefined,
      format: s.format,
      tool: s.tool,
      toolVersion: s.toolVersion,
      packages: s.packages,
      output: files[i],
      attestations: attached[i] ?? [],
    }));
    const lines = summary.flatMap((s) => [
      `SBOM (${s.format}, ${s.tool}${s.packages !== undefined ? `, ${s.packages} packages` : ''}) of ${s.image}${s.output ? ` → ${s.output}` : ''}`,
      ...s.attestations.map((a) => `  attached (${a.format}): ${a.location}`),
    ]);
    if (flags.output) context.print({ text: lines.join('\n'), json: summary.length === 1 ? summary[0] : summary });
    else for (const line of lines) context.logger.info(line); // stdout carries the document itself
  } finally {
    client.close();
  }
}

/** To --output (a file, or a directory for several platforms), else the one document to stdout. */
async function writeDocuments(sboms: ImageSbom[], output: string | undefined, context: CommandContext): Promise<(string | undefined)[]> {
  if (!output) {
    if (sboms.length > 1) throw new ShipshapeError('usage', `${sboms.length} platforms give ${sboms.length} documents, which cannot all go to stdout`, { hint: 'pass --output DIR' });
    context.io.stdout(sboms[0]!.document);
    return [undefined];
  }
  const target = path.resolve(context.io.cwd, output);
  if (sboms.length === 1) {
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, sboms[0]!.document);
    return [target];
  }
  await mkdir(target, { recursive: true });
  const files: string[] = [];
  for (const sbom of sboms) {
    const platform = sbom.image.platform ? formatPlatform(sbom.image.platform).replace(/\//g, '-') : sbom.image.descriptor.digest.replace(':', '-');
    const file = path.join(target, `sbom-${platform}.${sbom.format === 'spdx-json' ? 'spdx' : 'cdx'}.json`);
    await writeFile(file, sbom.document);
    files.push(file);
  }
  return files;
}

async function attachAll(opened: OpenedImage, sboms: ImageSbom[], setups: SigningSetups, signatureFormat: (typeof SIGNATURE_FORMATS)[number]) {
  const { attachSbom } = await import('../../sbom/attestation.js');
  const subjectName = opened.reference.kind === 'registry' ? cosignRepositoryName(opened.reference) : undefined;
  const attached = [];
  for (const sbom of sboms) {
    attached.push(await attachSbom({ store: opened.store, subject: sbom.image.descriptor, subjectName, format: sbom.format, document: sbom.document, setups, signatureFormat }));
  }
  return attached;
}

async function download(flags: DownloadFlags, context: CommandContext): Promise<void> {
  if (flags.platform === 'all') throw new ShipshapeError('usage', '`sbom download` reads one image; pass one platform, e.g. --platform linux/amd64');
  const cli = { sbom: dropUndefined({ format: flags.format, platform: flags.platform }), ...verificationLayer(flags) };
  const loaded = await loadCommandConfig(context, cli);
  const { sbom, signing } = loaded.config;
  const client = await registryClientFor(context, loaded);
  try {
    const [{ verificationPolicy }, { downloadSbom }] = await Promise.all([import('../../signing/policy.js'), import('../../sbom/attestation.js')]);
    const opened = openImage(flags.image, { client });
    const policy = await verificationPolicy(signing, { env: context.io.env, cwd: context.io.cwd });
    const [image] = await platformImages(opened, sbom.platform === 'all' ? undefined : sbom.platform);
    const result = await downloadSbom(opened.store, image!.descriptor.digest, sbom.format, policy);
    const signer = result.attestation.signer;
    const who = signer.kind === 'keyless' ? `${signer.identity ?? '?'} (issuer ${signer.issuer ?? '?'})` : `key${signer.keyHint ? ` ${signer.keyHint}` : ''}`;
    const note = `verified ${sbom.format} SBOM attestation (${result.attestation.format}) of ${image!.reference}, signed by ${who}: ${result.attestation.location}`;
    if (result.verifiedCount > 1) context.logger.info(`${result.verifiedCount} verified SBOM attestations; writing the first`);
    if (flags.output) {
      const target = path.resolve(context.io.cwd, flags.output);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, result.document);
      context.print({ text: `${note} → ${target}`, json: { image: image!.reference, digest: image!.descriptor.digest, format: sbom.format, output: target, attestation: { format: result.attestation.format, location: result.attestation.location } } });
    } else {
      context.logger.info(note);
      context.io.stdout(result.document);
    }
  } finally {
    client.close();
  }
}

function dropUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
