/**
 * Real executables for the tool-runner tests: small Node scripts with a `#!/usr/bin/env node` line,
 * written to a temporary directory that a test puts on its own PATH. Nothing is mocked: runTool
 * spawns them as it would spawn trivy.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface ToolDir {
  dir: string;
  /** Writes an executable script called `name` whose body is Node code; returns its path. */
  script(name: string, body: string, mode?: number): string;
  /** A path inside the directory, for counter and pid files. */
  file(name: string): string;
  /** An environment whose PATH is only this directory. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  remove(): void;
}

export function makeToolDir(prefix = 'shipshape-tools-'): ToolDir {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    dir,
    script(name, body, mode = 0o755) {
      const file = path.join(dir, name);
      writeFileSync(file, `#!/usr/bin/env node\n'use strict';\n${body}\n`);
      chmodSync(file, mode);
      return file;
    },
    file: (name) => path.join(dir, name),
    env: (extra = {}) => ({ PATH: dir, ...extra }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Node code that counts its runs in `counterFile` and leaves the count in `runs`. */
export function countRuns(counterFile: string): string {
  return `const fs = require('fs');
const counter = ${JSON.stringify(counterFile)};
const runs = (fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) : 0) + 1;
fs.writeFileSync(counter, String(runs));`;
}

/** Whether a process with this pid still exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
