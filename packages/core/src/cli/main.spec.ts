/**
 * The command line as a whole: which command a line names (only that command's module is loaded),
 * and that help, version and mistyped commands still see every command.
 */
import type { CliIO } from './context';
import { commandName, runCli } from './main';
import { VERSION } from '../version';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, cwd: process.cwd() };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const TOP_LEVEL_COMMANDS = ['config', 'image', 'key', 'verify-bundle', 'provenance', 'attest', 'sbom', 'scan'];

describe('commandName', () => {
  it.each([
    [['sbom', 'generate', '--image', 'x'], 'sbom'],
    [['--config', 'sbom', 'image', 'digest'], 'image'], // a global option's value is not the command
    [['--output', 'json', '-v', 'scan', 'report'], 'scan'],
    [['--insecure-registry', 'localhost:5000', '--insecure-registry', 'r:1', 'attest', 'verify'], 'attest'],
    [['--output=json', 'key', 'generate'], 'key'],
    [['--', 'config'], 'config'],
    [['--verbose'], undefined],
    [[], undefined],
  ])('%j names %s', (argv, expected) => {
    expect(commandName(argv)).toBe(expected);
  });
});

describe('shipshape', () => {
  it('lists every command in its help, though a run loads only the one it names', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const command of TOP_LEVEL_COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it('prints its version without loading any command', async () => {
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('answers a mistyped command with the nearest one and exit code 2', async () => {
    const result = await run(['--output', 'json', 'sbmo', 'generate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: unknown command 'sbmo'");
    expect(result.stderr).toContain('(Did you mean sbom?)');
  });

  it('answers a mistyped subcommand of a loaded command the same way', async () => {
    const result = await run(['sbom', 'generat']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: unknown command 'generat'");
    expect(result.stderr).toContain('(Did you mean generate?)');
  });

  it('takes global options after the command as before', async () => {
    const result = await run(['image', 'digest', '--output', 'yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("option '--output <format>' argument 'yaml' is invalid");
  });
});
