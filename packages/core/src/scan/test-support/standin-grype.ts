/**
 * grype cannot be installed on this machine (no network but npm and Debian, and grype is in neither),
 * so the end-to-end command tests run a STAND-IN: a shell script that answers `grype version -o json`
 * like grype 0.74.7, records the arguments and GRYPE_* environment it was started with, prints a real
 * grype report from the shared fixtures, and exits with the status it is told to (grype's own fail-on
 * exits 1 or 2 depending on the release). It proves what Shipshape hands grype and what it makes of
 * grype's report — not grype itself, whose report format the fixture tests cover.
 */
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface StandInGrype {
  /** Put this in SHIPSHAPE_GRYPE_PATH. */
  executable: string;
  /** What the last scan run was given: its arguments, and its GRYPE_* variables. */
  lastRun(): Promise<{ args: string[]; env: Record<string, string> }>;
}

export async function standInGrype(reportFile: string, exitCode = 0): Promise<StandInGrype> {
  const dir = await mkdtemp(path.join(tmpdir(), 'shipshape-standin-grype-'));
  const executable = path.join(dir, 'grype');
  const record = path.join(dir, 'last-run.json');
  const script = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
if (args[0] === 'version') { console.log(JSON.stringify({ application: 'grype', version: '0.74.7' })); process.exit(0); }
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('GRYPE_')));
fs.writeFileSync(${JSON.stringify(record)}, JSON.stringify({ args, env }));
process.stderr.write(' ✔ Vulnerability DB                [no update available]\\n');
process.stdout.write(fs.readFileSync(${JSON.stringify(reportFile)}));
process.exit(${exitCode});
`;
  await writeFile(executable, script);
  await chmod(executable, 0o755);
  return {
    executable,
    lastRun: async () => JSON.parse(await readFile(record, 'utf8')) as { args: string[]; env: Record<string, string> },
  };
}
