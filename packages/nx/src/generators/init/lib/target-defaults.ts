/**
 * nx.json `targetDefaults` for the Shipshape executors, keyed by executor (they apply to every
 * target that uses it, whatever its name). The cached steps are keyed on what decides their result:
 * the image digest (image.json of the image-digest task they depend on — Nx hashes it after that
 * task ran), the security configuration files, and the Shipshape version. Same digest and same
 * config → Nx replays the result and restores its files; a new digest → the step runs.
 */
import { readNxJson, updateNxJson, type TargetConfiguration, type Tree } from '@nx/devkit';
import { executorId, IMAGE_FILE_NAME, PLUGIN_NAME, type ShipshapeExecutor } from '../../../lib/names';
import { IMAGE_FILE_OUTPUT, stepOutput } from '../../../lib/paths';

/**
 * The vulnerability database a scan ran against. Nx can hash an environment variable (`env`) or a
 * command's output (`runtime`); a runtime command would run grype or trivy while hashing every task,
 * failing where they are not installed, so CI sets this variable instead, e.g. from
 * `grype db status -o json` or trivy's DB metadata, or simply to the date for a daily re-scan.
 */
export const VULN_DB_VERSION_ENV = 'SHIPSHAPE_VULN_DB_VERSION';

type TargetDefault = Partial<TargetConfiguration>;
type Input = NonNullable<TargetConfiguration['inputs']>[number];

/** `**\/image.json` of the tasks depended on, transitively (verify → image-sign → image-digest). */
export const DIGEST_INPUT: Input = { dependentTasksOutputFiles: `**/${IMAGE_FILE_NAME}`, transitive: true };

/** Both names core reads (security.yaml, security.yml), at the workspace and the project root. */
export const CONFIG_FILE_INPUTS: Input[] = [
  '{workspaceRoot}/security.yaml',
  '{workspaceRoot}/security.yml',
  '{projectRoot}/security.yaml',
  '{projectRoot}/security.yml',
];

/** A Shipshape upgrade may change what a step produces. */
export const ENGINE_INPUT: Input = { externalDependencies: ['@shipshape/core', PLUGIN_NAME] };

function cachedStep(outputs: string[], extraInputs: Input[] = []): TargetDefault {
  return { cache: true, inputs: [DIGEST_INPUT, ...CONFIG_FILE_INPUTS, ...extraInputs, ENGINE_INPUT], outputs };
}

/** What init adds, per executor. image-digest and verify ask the registry every time: never cached. */
export function shipshapeTargetDefaults(): Record<ShipshapeExecutor, TargetDefault> {
  return {
    'image-digest': { cache: false, outputs: [IMAGE_FILE_OUTPUT] },
    sbom: cachedStep([stepOutput('sbom')]),
    scan: cachedStep([stepOutput('scan')], [{ env: VULN_DB_VERSION_ENV }]),
    'image-sign': cachedStep([stepOutput('image-sign')]),
    provenance: cachedStep([stepOutput('provenance')]),
    verify: { cache: false },
  };
}

/**
 * Adds each default that is missing, and the missing fields of one that exists: a field the user
 * set (or a filtered, array-form entry) is theirs and stays as it is. Returns whether nx.json changed.
 */
export function addShipshapeTargetDefaults(tree: Tree): boolean {
  const nxJson = readNxJson(tree) ?? {};
  const targetDefaults = { ...nxJson.targetDefaults };
  let changed = false;
  for (const [name, wanted] of Object.entries(shipshapeTargetDefaults()) as [ShipshapeExecutor, TargetDefault][]) {
    const key = executorId(name);
    const existing = targetDefaults[key];
    if (Array.isArray(existing)) continue;
    const merged: TargetDefault = { ...existing };
    for (const [field, value] of Object.entries(wanted) as [keyof TargetDefault, unknown][]) {
      if (merged[field] !== undefined) continue;
      (merged as Record<string, unknown>)[field] = value;
      changed = true;
    }
    targetDefaults[key] = merged;
  }
  if (changed) updateNxJson(tree, { ...nxJson, targetDefaults });
  return changed;
}
