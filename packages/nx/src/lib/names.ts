/** The names that tie the plugin's pieces together: executors, target names, output locations. */

export const PLUGIN_NAME = '@shipshape/nx';

/** Executors in release order; `image-digest` first, everything else works on its image.json. */
export const SHIPSHAPE_EXECUTORS = ['image-digest', 'sbom', 'scan', 'image-sign', 'provenance', 'verify'] as const;
export type ShipshapeExecutor = (typeof SHIPSHAPE_EXECUTORS)[number];

/** `@shipshape/nx:sbom`: the form `executor` fields and executor-keyed targetDefaults use. */
export function executorId(name: ShipshapeExecutor): string {
  return `${PLUGIN_NAME}:${name}`;
}

/** Where every Shipshape result goes, relative to the workspace root (one directory per project below it). */
export const OUTPUT_ROOT = 'dist/shipshape';

/** The file image-digest writes and every later step reads. */
export const IMAGE_FILE_NAME = 'image.json';

/** Per-step output directories below `dist/shipshape/<projectRoot>/`: what a cache hit restores. */
export const STEP_OUTPUT_DIRS = {
  sbom: 'sbom',
  scan: 'scan',
  'image-sign': 'signature',
  provenance: 'provenance',
} as const satisfies Partial<Record<ShipshapeExecutor, string>>;
