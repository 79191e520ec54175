/**
 * The `shipshape` command: parses arguments, calls the engine, prints, and maps errors to exit codes.
 * Thin by design — each subcommand lives in ./commands and only wires flags to engine modules.
 */
import { Command, CommanderError, Option } from 'commander';
import { EXIT_OK, EXIT_USAGE, ShipshapeError } from '../errors';
import { createLogger, type LogLevel } from '../exec/logger';
import { secrets } from '../exec/secrets';
import type { CliIO, CommandContext, GlobalOptions } from './context';
import { VERSION } from '../version';

type Register = (program: Command, context: () => CommandContext) => void;

/**
 * Subcommand groups, by the top-level commands each adds (in help order); each issue adds its own
 * module here. A module is loaded only when its command runs: each pulls in its engine (the sigstore
 * stack, scanners, provenance), and loading all of them cost every run ~70 ms. Help, and a command
 * name nobody knows, load them all so commander can list them and suggest the nearest.
 */
const COMMAND_GROUPS: Array<{ commands: string[]; load: () => Promise<Register> }> = [
  { commands: ['config'], load: async () => (await import('./commands/config.js')).registerConfigCommands },
  { commands: ['image'], load: async () => (await import('./commands/image.js')).registerImageCommands },
  { commands: ['key'], load: async () => (await import('./commands/key.js')).registerKeyCommands },
  { commands: ['verify-bundle'], load: async () => (await import('./commands/verify-bundle.js')).registerVerifyBundleCommand },
  { commands: ['provenance'], load: async () => (await import('./commands/provenance.js')).registerProvenanceCommands },
  { commands: ['attest'], load: async () => (await import('./commands/attest.js')).registerAttestCommands },
  { commands: ['sbom'], load: async () => (await import('./commands/sbom.js')).registerSbomCommands },
  { commands: ['scan'], load: async () => (await import('./commands/scan.js')).registerScanCommands },
];

/** The root's options that take a value (`--config FILE`): their value is not the command's name. */
const VALUE_OPTIONS = new Set(['--config', '--output', '--insecure-registry']);

/** The top-level command named on the line, if any: the first word that is neither an option nor its value. */
export function commandName(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--') return argv[i + 1];
    if (!word.startsWith('-')) return word;
    if (VALUE_OPTIONS.has(word)) i++;
  }
  return undefined;
}

async function commandGroupsFor(argv: readonly string[]): Promise<Register[]> {
  const name = commandName(argv);
  // `--version` prints and exits before any command is looked at.
  if (name === undefined && (argv.includes('--version') || argv.includes('-V'))) return [];
  const named = COMMAND_GROUPS.filter((group) => name !== undefined && group.commands.includes(name));
  return Promise.all((named.length > 0 ? named : COMMAND_GROUPS).map((group) => group.load()));
}

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

  for (const register of await commandGroupsFor(argv)) register(program, getContext);
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
