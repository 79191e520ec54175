/** `shipshape provenance generate`: SLSA v1 provenance for one image, written to a file and/or attached signed. */
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Command } from 'commander';
import { attachAttestation, type AttachedAttestation } from '../../attest/attestation';
import { ShipshapeError } from '../../errors';
import { openImage } from '../../oci/open';
import { generateProvenance } from '../../provenance';
import { createSigningSetups } from '../../signing/setup';
import type { CommandContext } from '../context';
import { loadCommandConfig, registryClientFor } from '../engine';
import { addSigningFlags, hasSigningFlags, signingLayer, type SigningFlags } from '../signing-flags';

const IMAGE_HELP = 'REGISTRY/REPO[:TAG][@DIGEST] or oci:DIR[:TAG|@DIGEST]';

interface GenerateFlags extends SigningFlags {
  image: string;
  output?: string;
  attach?: boolean;
  sbom: string[];
  scanReport: string[];
}

export function registerProvenanceCommands(program: Command, context: () => CommandContext): void {
  const provenance = program.command('provenance').description('SLSA v1 provenance for images');

  addSigningFlags(
    provenance
      .command('generate')
      .description('make the SLSA v1 provenance of an image (by digest) from the CI context; write it (--output), attach it signed (--attach), or print it')
      .requiredOption('--image <ref>', IMAGE_HELP)
      .option('--output <file>', 'write the in-toto statement (JSON) to FILE')
      .option('--attach', 'sign the statement and attach it to the image (signing flags below, or signing: in security.yaml)')
      .option('--sbom <file>', 'an SBOM of the image, named in the provenance as a byproduct (repeatable)', collect, [])
      .option('--scan-report <file>', 'a scan result, named in the provenance as a byproduct (repeatable)', collect, []),
  ).action(async (flags: GenerateFlags) => generate(flags, context()));
}

async function generate(flags: GenerateFlags, context: CommandContext): Promise<void> {
  if (!flags.attach && hasSigningFlags(flags)) {
    throw new ShipshapeError('usage', '--key, --keyless and --signature-format sign the provenance when it is attached; add --attach');
  }
  const { config, ...loaded } = await loadCommandConfig(context, signingLayer(flags));
  const client = await registryClientFor(context, { config, ...loaded });
  try {
    const opened = openImage(flags.image, { client });
    // Load the signer before the work, so a wrong password or missing key fails fast.
    const setups = flags.attach ? await createSigningSetups(config.signing, { env: context.io.env, logger: context.logger, cwd: context.io.cwd }) : undefined;
    const generated = await generateProvenance(opened, {
      env: context.io.env,
      cwd: context.io.cwd,
      logger: context.logger,
      sbomFiles: flags.sbom,
      scanReportFiles: flags.scanReport,
      // The process start is when this step of the release began; a CI's own job start wins over it.
      startedOn: new Date(performance.timeOrigin),
    });
    const statementJson = `${JSON.stringify(generated.statement, null, 2)}\n`;

    let written: string | undefined;
    if (flags.output) {
      written = path.resolve(context.io.cwd, flags.output);
      try {
        await writeFile(written, statementJson);
      } catch (error) {
        throw new ShipshapeError('input', `cannot write ${flags.output}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { where: written });
      }
    }
    let attached: AttachedAttestation[] = [];
    if (setups) attached = await attachAttestation(opened.store, generated.descriptor, generated.statement, setups, config.signing.format);

    const { predicate } = generated.statement;
    const json = {
      image: generated.image,
      digest: generated.descriptor.digest,
      predicateType: generated.statement.predicateType,
      provider: generated.context.provider,
      builderId: predicate?.runDetails.builder.id,
      ...(written ? { output: written } : {}),
      ...(setups ? { signer: setups.description } : {}),
      attached,
      statement: generated.statement,
    };
    if (!written && !setups) {
      // Neither written nor attached: the statement itself is the result (pipe it, or inspect it).
      context.print({ text: statementJson.trimEnd(), json });
      return;
    }
    const lines = [
      `Provenance for ${generated.image} (${generated.context.provider}, builder ${json.builderId})`,
      ...(written ? [`  written to ${written}`] : []),
      ...(setups ? [`  signer: ${setups.description}`] : []),
      ...attached.map((a) => `  attached (${a.format}): ${a.location}`),
    ];
    context.print({ text: lines.join('\n'), json });
  } finally {
    client.close();
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
