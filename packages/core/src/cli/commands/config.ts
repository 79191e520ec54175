/** `shipshape config validate|show`: check configuration files, print the effective configuration. */
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { Command } from 'commander';
import { ShipshapeError } from '../../errors';
import {
  displayPath,
  evaluateConfig,
  formatConfigError,
  loadConfig,
  readConfigFile,
  type ConfigError,
} from '../../config';
import { renderAnnotatedYaml } from '../../config/annotate';
import type { CommandContext } from '../context';

export function registerConfigCommands(program: Command, context: () => CommandContext): void {
  const config = program.command('config').description('validate or show the security configuration');

  config
    .command('validate')
    .description(
      'check configuration files: each FILE on its own, or without FILE the workspace and project security.yaml ' +
        'found from the current directory together with their merged result',
    )
    .argument('[file...]', 'security.yaml files to check')
    .action(async (files: string[]) => validate(files, context()));

  config
    .command('show')
    .description('print the effective configuration of a project and where each value came from')
    .option('--project <dir>', 'the project directory (default: the current directory)')
    .action(async (options: { project?: string }) => show(options.project, context()));
}

async function validate(files: string[], context: CommandContext): Promise<void> {
  const { cwd } = context.io;
  let checked: string[];
  let errors: ConfigError[];
  if (files.length > 0) {
    const results = await Promise.all(files.map((file) => readConfigFile(path.resolve(cwd, file))));
    checked = results.map((r) => r.file);
    errors = results.flatMap((r) => r.errors);
  } else {
    const evaluation = await evaluateConfig({ cwd, files: explicitConfig(context) });
    checked = evaluation.files;
    errors = evaluation.errors;
  }

  const invalid = new Set(errors.map((e) => e.file));
  const report = checked.map((file) => ({ file, valid: !invalid.has(file), errors: errors.filter((e) => e.file === file) }));
  // Problems not tied to a checked file: a source such as `cli`, or an ambiguous `security.yml`.
  const other = errors.filter((e) => !checked.includes(e.file));
  for (const error of errors) context.logger.info(formatConfigError(error, cwd));
  const okLines = report.filter((r) => r.valid).map((r) => `ok  ${displayPath(r.file, cwd)}`);
  const text = checked.length === 0 && errors.length === 0 ? 'no security.yaml found: the defaults apply (every feature is off)' : okLines.join('\n');
  context.print({ text, json: { valid: errors.length === 0, files: report, ...(other.length ? { otherErrors: other } : {}) } });

  if (errors.length > 0) {
    const problems = `${errors.length} problem${errors.length === 1 ? '' : 's'}`;
    const badFiles = report.filter((r) => !r.valid).length;
    const where = checked.length > 1 ? ` in ${badFiles} of ${checked.length} files` : '';
    throw new ShipshapeError('config', `the configuration is invalid (${problems}${where})`);
  }
}

async function show(project: string | undefined, context: CommandContext): Promise<void> {
  const { cwd } = context.io;
  const projectDir = path.resolve(cwd, project ?? '.');
  if (!(await isDirectory(projectDir))) {
    throw new ShipshapeError('usage', `--project ${project ?? '.'}: ${projectDir} is not a directory`);
  }
  const loaded = await loadConfig({ cwd, projectDir, files: explicitConfig(context) });
  const chain = ['default', ...loaded.files.map((f) => displayPath(f, cwd))].join(' < ');
  const header = [
    `# Effective security configuration for ${projectDir === path.resolve(cwd) ? '.' : displayPath(projectDir, cwd)}`,
    loaded.files.length > 0
      ? `# Sources, later wins: ${chain}`
      : '# No security.yaml found: every value is a default (every feature is off)',
  ];
  context.print({
    text: `${header.join('\n')}\n${renderAnnotatedYaml(loaded.config, loaded.sources, cwd)}`,
    json: {
      config: loaded.config,
      sources: loaded.sources,
      files: loaded.files,
      workspaceRoot: loaded.workspaceRoot ?? null,
      projectDir: loaded.projectDir,
    },
  });
}

/** The global `--config FILE` replaces discovery. */
function explicitConfig(context: CommandContext): string[] | undefined {
  return context.globals.config ? [context.globals.config] : undefined;
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
