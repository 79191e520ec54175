/** `shipshape key generate`: a cosign-compatible key pair (cosign.key encrypted with COSIGN_PASSWORD, cosign.pub). */
import { chmod, lstat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Command } from 'commander';
import { ShipshapeError } from '../../errors';
import { secrets } from '../../exec/secrets';
import { generateKeyPair } from '../../signing/keys';
import type { CommandContext } from '../context';

interface GenerateOptions {
  outputKeyPrefix: string;
  force: boolean;
}

export function registerKeyCommands(program: Command, context: () => CommandContext): void {
  const key = program.command('key').description('generate cosign-compatible key pairs');

  key
    .command('generate')
    .description(
      'write PREFIX.key (ECDSA P-256, encrypted with COSIGN_PASSWORD in cosign\'s format, mode 0600) and PREFIX.pub; ' +
        'cosign and `shipshape image sign --key` read them',
    )
    .option('--output-key-prefix <prefix>', 'path prefix of the files to write', 'cosign')
    .option('--force', 'overwrite existing key files', false)
    .action(async (options: GenerateOptions) => generate(options, context()));
}

async function generate(options: GenerateOptions, context: CommandContext): Promise<void> {
  const { cwd, env } = context.io;
  const password = env.COSIGN_PASSWORD;
  if (password === undefined) {
    throw new ShipshapeError('usage', 'COSIGN_PASSWORD is not set: it is the password that encrypts the new private key', {
      hint: 'set COSIGN_PASSWORD (it may be empty, for a key without a password), as for `cosign generate-key-pair`',
    });
  }
  secrets.add(password);
  if (options.outputKeyPrefix.trim() === '') throw new ShipshapeError('usage', '--output-key-prefix must not be empty');

  const files = { key: `${options.outputKeyPrefix}.key`, pub: `${options.outputKeyPrefix}.pub` };
  const absolute = { key: path.resolve(cwd, files.key), pub: path.resolve(cwd, files.pub) };
  if (!options.force) {
    const existing = [];
    for (const name of [files.key, files.pub]) if (await exists(path.resolve(cwd, name))) existing.push(name);
    if (existing.length > 0) {
      throw new ShipshapeError('usage', `${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; not overwriting a key`, {
        hint: 'choose another --output-key-prefix, or pass --force to replace the existing key pair',
      });
    }
  }

  const pair = await generateKeyPair(password);
  // 'wx' refuses a file that appeared since the check; with --force an existing key file keeps its old
  // mode under 'w', so it is set again.
  const flag = options.force ? 'w' : 'wx';
  await write(absolute.key, files.key, pair.privateKeyPem, 0o600, flag);
  if (options.force) await chmod(absolute.key, 0o600);
  await write(absolute.pub, files.pub, pair.publicKeyPem, 0o644, flag);

  context.print({
    text: `Private key written to ${files.key}\nPublic key written to ${files.pub}`,
    json: { privateKey: absolute.key, publicKey: absolute.pub },
  });
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

async function write(file: string, shown: string, content: string, mode: number, flag: string): Promise<void> {
  try {
    await writeFile(file, content, { mode, flag });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EEXIST'
        ? 'it already exists (pass --force to replace it)'
        : code === 'ENOENT'
          ? `the directory ${path.dirname(file)} does not exist`
          : code === 'EACCES'
            ? 'permission denied'
            : code === 'EISDIR'
              ? 'it is a directory'
              : `${code ?? 'error'}`;
    throw new ShipshapeError('usage', `cannot write ${shown}: ${why}`);
  }
}
