/**
 * Nx hashers for the cached steps that sign (image-sign; sbom, scan and provenance when they attach).
 * Their results depend on the signing key, which lives outside the files Nx hashes: a path in
 * security.yaml (often outside the workspace), or a CI secret (`env://VAR`). Without this, replacing
 * the key at the same path left every unchanged image replaying "signed" from the cache — signed by
 * the old key. Each hasher takes Nx's own hash of the task and adds a fingerprint of the key material
 * the step would sign with, so a new key re-runs exactly the steps that sign.
 *
 * The fingerprint is a SHA-256 of the key file's bytes (or the variable's value): the key is encrypted
 * or high-entropy, its hash reveals nothing, and only the hash ever reaches Nx's records. These run in
 * Nx's own process while it hashes tasks, so they load only the configuration (no signing engine).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { CustomHasher, Hash, HasherContext, ProjectGraph, Task } from '@nx/devkit';
import { parseKeyReference, type SecurityConfig, type SigningConfig } from '@shipshape/core/base';
import { CONFIG_OVERRIDES } from './config-overrides';
import { loadProjectConfig } from './engine';

export type SigningStep = 'sbom' | 'scan' | 'image-sign' | 'provenance';

/** Does this step sign, with this configuration? */
const SIGNS: Record<SigningStep, (config: SecurityConfig) => boolean> = {
  'image-sign': (config) => config.signing.enabled,
  sbom: (config) => config.sbom.enabled && config.sbom.attach,
  scan: (config) => config.scan.enabled && config.scan.attach,
  provenance: (config) => config.provenance.enabled && config.provenance.attach,
};

/** The name the fingerprint has among the hash's inputs (`nx show target --inputs`, run details). */
export const SIGNING_MATERIAL_INPUT = 'shipshape:signing-material';

function signingMaterialHasher(step: SigningStep): CustomHasher {
  return async (task: Task, context: HasherContext): Promise<Hash> => {
    // Nx passes the task's environment (with its .env files) next to the documented fields.
    const env = (context as HasherContext & { env?: NodeJS.ProcessEnv }).env ?? process.env;
    const base = await context.hasher.hashTask(task, context.taskGraph, env);
    const material = await taskSigningMaterial(step, task, context.projectGraph, env, workspaceRoot());
    const value = createHash('sha256').update(`${base.value}\0${material}`).digest('hex');
    return { ...base, value, details: { ...base.details, nodes: { ...base.details.nodes, [SIGNING_MATERIAL_INPUT]: material } } };
  };
}

export const sbomHasher = signingMaterialHasher('sbom');
export const scanHasher = signingMaterialHasher('scan');
export const imageSignHasher = signingMaterialHasher('image-sign');
export const provenanceHasher = signingMaterialHasher('provenance');

/** 'none' when the step does not sign; otherwise the fingerprint of what it would sign with. */
export async function taskSigningMaterial(step: SigningStep, task: Task, projectGraph: ProjectGraph, env: NodeJS.ProcessEnv, root: string): Promise<string> {
  const node = projectGraph.nodes[task.target.project];
  if (!node) return 'none';
  const options = taskOptions(task, node.data.targets?.[task.target.target], root, node.data.root || '.');
  let config: SecurityConfig;
  try {
    config = (await loadProjectConfig(root, node.data.root || '.', CONFIG_OVERRIDES[step](options as never))).config;
  } catch {
    // An invalid configuration fails the task itself, with the full message; a failed task is never cached.
    return 'invalid-configuration';
  }
  return SIGNS[step](config) ? signingMaterial(config.signing, env, root) : 'none';
}

/** A fingerprint of the key (or trusted root) a signature would be made with; never the material itself. */
export async function signingMaterial(signing: SigningConfig, env: NodeJS.ProcessEnv, cwd: string): Promise<string> {
  const parts: string[] = [];
  const reference = signing.key === undefined ? undefined : parseKeyReference(signing.key);
  if (signing.keyless || !reference) parts.push('keyless');
  else if (reference.kind === 'file') parts.push(`key-file ${await fileFingerprint(path.resolve(cwd, reference.path))}`);
  else if (reference.kind === 'env') parts.push(`key-env ${env[reference.variable] ? sha256(env[reference.variable] as string) : 'unset'}`);
  else parts.push(`kms ${reference.uri}`);
  if (signing.trustedRoot) parts.push(`trusted-root ${await fileFingerprint(path.resolve(cwd, signing.trustedRoot))}`);
  return parts.join('; ');
}

async function fileFingerprint(file: string): Promise<string> {
  try {
    return sha256(await readFile(file));
  } catch {
    // The step reports the missing file when it runs; here it only must not match a present one.
    return 'unreadable';
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update('shipshape signing material\0').update(data).digest('hex');
}

type TargetLike = { options?: Record<string, unknown>; configurations?: Record<string, Record<string, unknown>> } | undefined;

/** The options the executor will get: target options, the configuration's, then the command line's. */
function taskOptions(task: Task, target: TargetLike, root: string, projectRoot: string): Record<string, unknown> {
  const merged: Record<string, unknown> = {
    ...target?.options,
    ...(task.target.configuration ? target?.configurations?.[task.target.configuration] : {}),
    ...Object.fromEntries(Object.entries(task.overrides ?? {}).filter(([key]) => !key.startsWith('__'))),
  };
  // Nx replaces these tokens in options before the executor sees them.
  const interpolate = (value: unknown) => (typeof value === 'string' ? value.replaceAll('{workspaceRoot}', root).replaceAll('{projectRoot}', projectRoot) : value);
  return Object.fromEntries(Object.entries(merged).map(([key, value]) => [key, interpolate(value)]));
}

let cachedWorkspaceRoot: string | undefined;

/** Nx's workspace root, from nx itself (light) or, should it move, from @nx/devkit. */
function workspaceRoot(): string {
  if (cachedWorkspaceRoot === undefined) {
    const load = createRequire(__filename);
    try {
      cachedWorkspaceRoot = (load('nx/src/utils/workspace-root') as { workspaceRoot: string }).workspaceRoot;
    } catch {
      cachedWorkspaceRoot = (load('@nx/devkit') as typeof import('@nx/devkit')).workspaceRoot;
    }
    cachedWorkspaceRoot = path.resolve(cachedWorkspaceRoot);
  }
  return cachedWorkspaceRoot;
}
