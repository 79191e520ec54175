/** `shipshape key generate` — filled in by the signing keys module. */
import type { Command } from 'commander';
import type { CommandContext } from '../context';

export function registerKeyCommands(program: Command, _context: () => CommandContext): void {
  program.command('key').description('generate cosign-compatible key pairs');
}
