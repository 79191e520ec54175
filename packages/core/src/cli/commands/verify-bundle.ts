/** `shipshape verify-bundle` — filled in by the attestation/bundle module. */
import type { Command } from 'commander';
import type { CommandContext } from '../context';

export function registerVerifyBundleCommand(program: Command, _context: () => CommandContext): void {
  program.command('verify-bundle').description('verify a Sigstore bundle for a file or a sha256: digest');
}
