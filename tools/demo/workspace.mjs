/* global process */
// An Nx workspace of services set up the way a user sets one up: nx and the packed @shipshape/nx and
// @shipshape/core installed from npm, a project.json per service, Shipshape's generators, a signing
// key and a security.yaml. Shared by the demo (tools/demo.sh) and the release benchmark.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

export const NX_VERSION = '23.2.1';
const SHIPSHAPE_PREFIX = '@shipshape/nx:';
/** Kept between runs: installing is the slow part, and it only changes with the packed packages. */
const KEPT = new Set(['node_modules', 'package-lock.json']);

/**
 * The environment for npm, nx and shipshape in the workspace: the outer `npm run`/`nx run`
 * variables removed (an inner npm or nx would act on the wrong workspace), Nx without daemon, Cloud
 * or TUI, and the Nx cache inside the workspace (Nx otherwise shares it per git repository under
 * ~/.nx, and the workspace lives inside this repository's checkout).
 */
export function workspaceEnv(root, extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('NX_') || key === 'INIT_CWD') continue;
    if (key.toLowerCase().startsWith('npm_') && !['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig'].includes(key.toLowerCase())) continue;
    env[key] = value;
  }
  return {
    ...env,
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    NX_CACHE_DIRECTORY: path.join(root, '.nx', 'cache'),
    NX_WORKSPACE_DATA_DIRECTORY: path.join(root, '.nx', 'workspace-data'),
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

/** Runs a command; `echo` streams its output through while capturing it. Rejects with the output on failure. */
export function run(command, args, { cwd, env, echo = false, allowFailure = false }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (stream) => (chunk) => {
      output += chunk;
      if (echo) stream.write(chunk);
    };
    child.stdout.setEncoding('utf8').on('data', take(process.stdout));
    child.stderr.setEncoding('utf8').on('data', take(process.stderr));
    child.on('error', (error) => reject(new Error(`cannot run ${command}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0 || allowFailure) resolve({ code, output });
      else reject(Object.assign(new Error(`${[command, ...args].join(' ')} failed (exit ${code})${echo ? '' : `:\n${output.slice(-4000)}`}`), { output }));
    });
  });
}

/**
 * `npm pack` of packages/core and packages/nx into `destination`; returns the tarball file names,
 * which carry a hash of their content: a rebuilt package gets a new `file:` spec, so npm installs it
 * again (for an unchanged spec npm keeps what its lockfile says, whatever the tarball holds now).
 */
export async function packShipshape(repoRoot, destination, env) {
  await mkdir(destination, { recursive: true });
  const names = [];
  for (const pkg of ['core', 'nx']) {
    const dir = path.join(repoRoot, 'packages', pkg);
    if (!existsSync(path.join(dir, 'dist', 'index.js'))) throw new Error(`packages/${pkg} is not built: run \`npm run build\``);
    const { output } = await run('npm', ['pack', '--json', '--silent', '--pack-destination', destination], { cwd: dir, env });
    const packed = JSON.parse(output.slice(output.indexOf('[')))[0].filename;
    const hash = createHash('sha256').update(await readFile(path.join(destination, packed))).digest('hex').slice(0, 12);
    const named = packed.replace(/\.tgz$/, `-${hash}.tgz`);
    await rename(path.join(destination, packed), path.join(destination, named));
    names.push(named);
  }
  return names;
}

/**
 * Empties `root` except the installed packages, writes package.json, and installs nx, @nx/devkit and
 * the packed Shipshape packages — skipped when exactly these were installed before.
 * Returns whether npm ran.
 */
export async function installWorkspace({ root, repoRoot, name, env }) {
  await mkdir(root, { recursive: true });
  for (const entry of await readdir(root)) if (!KEPT.has(entry)) await rm(path.join(root, entry), { recursive: true, force: true });
  const vendor = path.join(root, 'vendor');
  const [core, nx] = await packShipshape(repoRoot, vendor, env);
  const packageJson = {
    name,
    version: '0.0.0',
    private: true,
    devDependencies: {
      '@nx/devkit': NX_VERSION,
      '@shipshape/core': `file:vendor/${core}`,
      '@shipshape/nx': `file:vendor/${nx}`,
      nx: NX_VERSION,
    },
  };
  await writeFile(path.join(root, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`);

  // The tarballs' names carry their content hash, so package.json says everything installed.
  const wanted = createHash('sha256').update(JSON.stringify(packageJson)).digest('hex');
  const stampFile = path.join(root, 'node_modules', '.shipshape-install-stamp');
  if (existsSync(stampFile) && (await readFile(stampFile, 'utf8')) === wanted) return false;
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, env });
  await writeFile(stampFile, wanted);
  return true;
}

/** nx.json, a project per service (project.json and a source file), and a .gitignore. */
export async function writeWorkspaceFiles(root, services) {
  const nxJson = { $schema: './node_modules/nx/schemas/nx-schema.json', namedInputs: { default: ['{projectRoot}/**/*'], production: ['default'] } };
  await writeFile(path.join(root, 'nx.json'), `${JSON.stringify(nxJson, null, 2)}\n`);
  await writeFile(path.join(root, '.gitignore'), 'node_modules\n/.nx\n/vendor\n/images\n/dist\ncosign.key\n');
  for (const service of services) {
    const dir = path.join(root, 'services', service);
    await mkdir(path.join(dir, 'src'), { recursive: true });
    const project = { name: service, $schema: '../../node_modules/nx/schemas/project-schema.json', root: `services/${service}`, projectType: 'application', targets: {} };
    await writeFile(path.join(dir, 'project.json'), `${JSON.stringify(project, null, 2)}\n`);
    await writeFile(path.join(dir, 'src', 'server.js'), `require('http').createServer((_, res) => res.end('${service}\\n')).listen(8080);\n`);
  }
}

/**
 * Makes the workspace its own git repository with everything committed, as a user's is: the
 * provenance then names this commit and a clean work tree (not the enclosing checkout's state).
 */
export async function commitWorkspace(root, env) {
  const gitEnv = { ...env, GIT_AUTHOR_NAME: 'Shipshape demo', GIT_AUTHOR_EMAIL: 'demo@example.invalid', GIT_COMMITTER_NAME: 'Shipshape demo', GIT_COMMITTER_EMAIL: 'demo@example.invalid' };
  await run('git', ['init', '--quiet', '--initial-branch=main'], { cwd: root, env: gitEnv });
  await run('git', ['add', '-A'], { cwd: root, env: gitEnv });
  await run('git', ['commit', '--quiet', '--no-gpg-sign', '-m', 'services with Shipshape'], { cwd: root, env: gitEnv });
}

export function nxBin(root) {
  return path.join(root, 'node_modules', '.bin', 'nx');
}

export function shipshapeBin(root) {
  return path.join(root, 'node_modules', '.bin', 'shipshape');
}

/** `nx g @shipshape/nx:init`, then `nx g @shipshape/nx:configuration <service> --image=<image>` for each. */
export async function runGenerators(root, images, env) {
  await run(nxBin(root), ['g', '@shipshape/nx:init', '--no-interactive'], { cwd: root, env });
  for (const { service, image } of images) {
    await run(nxBin(root), ['g', '@shipshape/nx:configuration', service, `--image=${image}`, '--no-interactive'], { cwd: root, env });
  }
}

/** The executors the installed @shipshape/nx declares. */
export async function declaredExecutors(root) {
  const file = JSON.parse(await readFile(path.join(root, 'node_modules', '@shipshape', 'nx', 'executors.json'), 'utf8'));
  return new Set(Object.keys(file.executors));
}

/**
 * Drops the targets whose executor the installed plugin does not declare (yet), and dependsOn entries
 * naming them, so the rest of the chain runs. Returns the names dropped.
 */
export async function pruneUndeclaredTargets(root, services, declared) {
  const dropped = new Set();
  for (const service of services) {
    const file = path.join(root, 'services', service, 'project.json');
    const project = JSON.parse(await readFile(file, 'utf8'));
    for (const [name, target] of Object.entries(project.targets)) {
      if (target.executor?.startsWith(SHIPSHAPE_PREFIX) && !declared.has(target.executor.slice(SHIPSHAPE_PREFIX.length))) {
        delete project.targets[name];
        dropped.add(name);
      }
    }
    for (const target of Object.values(project.targets)) {
      if (target.dependsOn) target.dependsOn = target.dependsOn.filter((d) => typeof d !== 'string' || d in project.targets);
    }
    await writeFile(file, `${JSON.stringify(project, null, 2)}\n`);
  }
  return [...dropped];
}

/** A password for this run's key: random, only ever in COSIGN_PASSWORD. */
export function newKeyPassword() {
  return randomBytes(18).toString('base64url');
}

/** `shipshape key generate` in the workspace root (cosign.key, cosign.pub). */
export async function generateKey(root, env) {
  await run(shipshapeBin(root), ['key', 'generate'], { cwd: root, env });
}

/** What Nx did with each task, from `> nx run p:t [local cache]`-style lines (--outputStyle=static). */
export function parseNxTasks(output) {
  const tasks = [];
  // eslint-disable-next-line no-control-regex
  for (const line of output.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').split(/\r?\n/)) {
    const match = /^>\s+nx run ([^\s:]+):([^\s:]+)(?:\s+\[([^\]]+)\])?\s*$/.exec(line.trim());
    if (!match) continue;
    const note = match[3];
    const outcome = note === undefined ? 'ran' : note.includes('remote') ? 'remote cache' : 'local cache';
    tasks.push({ project: match[1], target: match[2], outcome });
  }
  return tasks;
}
