/**
 * The `shipshape` command: parses arguments, calls the engine, prints, and maps errors to exit codes.
 * Thin by design — each subcommand lives in ./commands and only wires flags to engine modules.
 */
import { Command, CommanderError, Option } from 'commander';
import { EXIT_OK, EXIT_USAGE, ShipshapeError } from '../errors';
import { createLogger, type LogLevel } from '../exec/logger';
import { secrets } from '../exec/secrets';
import type { CliIO, CommandContext, GlobalOptions } from './context';
import { registerAttestCommands } from './commands/attest';
import { registerConfigCommands } from './commands/config';
import { registerImageCommands } from './commands/image';
import { registerKeyCommands } from './commands/key';
import { registerProvenanceCommands } from './commands/provenance';
import { registerSbomCommands } from './commands/sbom';
import { registerScanCommands } from './commands/scan';
import { registerVerifyBundleCommand } from './commands/verify-bundle';
import { VERSION } from '../version';

type Register = (program: Command, context: () => CommandContext) => void;

/** Subcommand groups; each issue adds its own module here. */
const COMMAND_GROUPS: Register[] = [registerConfigCommands, registerImageCommands, registerKeyCommands, registerVerifyBundleCommand, registerProvenanceCommands, registerAttestCommands, registerSbomCommands, registerScanCommands];

export const defaultIO: CliIO = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  cwd: process.cwd(),
};

export async function runCli(argv: string[], io: CliIO = defaultIO): Promise<number> {
  let context: CommandContext | undefined;
  let actionCommand: Command | undefined;
  const program = new Command('shipshape')
    .description('Sign, verify, SBOM, scan and attest container images (cosign-compatible).')
    .version(VERSION, '-V, --version')
    .option('--config <file>', 'a security.yaml to use instead of the discovered ones')
    .addOption(new Option('--output <format>', 'result format on stdout').choices(['text', 'json']).default('text'))
    .option('--insecure-registry <host>', 'allow plain HTTP / unverified TLS for HOST[:PORT] (repeatable)', collect, [])
    .option('-v, --verbose', 'print detail (secrets stay masked)', false)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(secrets.redact(s)),
      writeErr: (s) => io.stderr(secrets.redact(s)),
    });

  const getContext = (): CommandContext => {
    if (context) return context;
    const globals = effectiveGlobals(program, actionCommand, globalCopies);
    const logger = createLogger({
      verbose: globals.verbose,
      sink: { write: (_level: LogLevel, line: string) => io.stderr(`${line}\n`) },
    });
    context = {
      io,
      logger,
      globals,
      print: ({ text, json }) => {
        if (globals.output === 'json') io.stdout(`${secrets.redact(JSON.stringify(json, null, 2))}\n`);
        else if (text) io.stdout(`${secrets.redact(text)}\n`);
      },
    };
    return context;
  };

  for (const register of COMMAND_GROUPS) register(program, getContext);
  // Every subcommand inherits exitOverride and output settings from the root.
  for (const command of allCommands(program)) {
    command.exitOverride().configureOutput(program.configureOutput()).showHelpAfterError('(run with --help for usage)');
  }
  const globalCopies = shareGlobalOptions(program);
  program.hook('preAction', (_root, action) => {
    actionCommand = action;
  });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' && process.exitCode !== 0 ? process.exitCode : EXIT_OK;
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIO): number {
  if (error instanceof CommanderError) {
    // Help and version are not errors; commander already printed its message for the others.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT_OK;
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (error instanceof ShipshapeError) {
    io.stderr(`${secrets.redact(`error: ${error.describe()}`)}\n`);
    return error.exitCode;
  }
  // An unexpected failure is still one line; the stack only with SHIPSHAPE_DEBUG for developers.
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`${secrets.redact(`error: unexpected failure: ${message}`)}\n`);
  if (io.env.SHIPSHAPE_DEBUG && error instanceof Error && error.stack) io.stderr(`${secrets.redact(error.stack)}\n`);
  return EXIT_USAGE;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Global options work after the subcommand too (`shipshape attest verify … --output json`), except
 * where a subcommand gives a flag its own meaning (`provenance generate --output FILE`): there the
 * subcommand's wins, and the global one goes before the subcommand. Commander lets a parent take its
 * options from anywhere on the line, so parsing is made positional and each subcommand gets hidden
 * copies of the global options it does not define itself.
 */
function shareGlobalOptions(program: Command): Set<Option> {
  const copies = new Set<Option>();
  program.enablePositionalOptions();
  for (const command of allCommands(program)) {
    if (command.commands.length > 0) command.enablePositionalOptions();
    for (const option of program.options) {
      const taken = command.options.some((own) => own.long === option.long || (option.short !== undefined && own.short === option.short));
      if (option.long === '--version' || taken) continue;
      // No default on the copy: only a value given after the subcommand overrides the root's.
      const copy = new Option(option.flags, option.description).hideHelp();
      if (option.argChoices) copy.choices(option.argChoices);
      else if (option.parseArg) copy.argParser(option.parseArg);
      command.addOption(copy);
      copies.add(copy);
    }
  }
  return copies;
}

/** The root's global options, overridden (repeatable ones extended) by copies given after a subcommand. */
function effectiveGlobals(program: Command, leaf: Command | undefined, copies: Set<Option>): GlobalOptions {
  const globals: Record<string, unknown> = { ...program.opts() };
  const chain: Command[] = [];
  for (let command = leaf; command && command !== program; command = command.parent ?? undefined) chain.unshift(command);
  for (const command of chain) {
    for (const option of command.options) {
      const key = option.attributeName();
      if (!copies.has(option) || command.getOptionValueSource(key) !== 'cli') continue;
      const value: unknown = command.getOptionValue(key);
      const previous = globals[key];
      globals[key] = Array.isArray(value) && Array.isArray(previous) ? [...(previous as unknown[]), ...value] : value;
    }
  }
  return globals as unknown as GlobalOptions;
}

function* allCommands(command: Command): Generator<Command> {
  for (const sub of command.commands) {
    yield sub;
    yield* allCommands(sub);
  }
}
