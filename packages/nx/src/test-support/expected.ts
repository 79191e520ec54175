/** What the generators are expected to write, spelled out once for their tests. Test-only. */
import type { Tree } from '@nx/devkit';

const DIGEST_INPUT = { dependentTasksOutputFiles: '**/image.json', transitive: true };
const CONFIG_INPUTS = ['{workspaceRoot}/security.yaml', '{workspaceRoot}/security.yml', '{projectRoot}/security.yaml', '{projectRoot}/security.yml'];
const ENGINE_INPUT = { externalDependencies: ['@shipshape/core', '@shipshape/nx'] };
export const cachedStepDefault = (output: string, extra: unknown[] = []) => ({
  cache: true,
  inputs: [DIGEST_INPUT, ...CONFIG_INPUTS, ...extra, ENGINE_INPUT],
  outputs: [`{workspaceRoot}/dist/shipshape/{projectRoot}/${output}`],
});

/** Exactly what init puts in nx.json targetDefaults. */
export const EXPECTED_TARGET_DEFAULTS = {
  '@shipshape/nx:image-digest': { cache: false, outputs: ['{workspaceRoot}/dist/shipshape/{projectRoot}/image.json'] },
  '@shipshape/nx:sbom': cachedStepDefault('sbom'),
  '@shipshape/nx:scan': cachedStepDefault('scan', [{ env: 'SHIPSHAPE_VULN_DB_VERSION' }]),
  '@shipshape/nx:image-sign': cachedStepDefault('signature'),
  '@shipshape/nx:provenance': cachedStepDefault('provenance'),
  '@shipshape/nx:verify': { cache: false },
};

/** Every file of the tree that changed, with its content: equal before and after a second run means idempotent. */
export function changedFiles(tree: Tree): Record<string, string | null> {
  return Object.fromEntries(tree.listChanges().map((change) => [change.path, change.content?.toString('utf8') ?? null]));
}

