/** `shipshape config validate|show` — placeholder wiring, filled in by the configuration module. */
import type { Command } from 'commander';
import type { CommandContext } from '../context';

export function registerConfigCommands(program: Command, _context: () => CommandContext): void {
  program.command('config').description('validate or show the security configuration');
}
