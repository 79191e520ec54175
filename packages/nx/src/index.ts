/** @shipshape/nx: the Nx plugin. Executors and generators are thin adapters over @shipshape/core. */
export { VERSION as SHIPSHAPE_VERSION } from '@shipshape/core/base';

export { default as imageDigestExecutor } from './executors/image-digest/executor';
export type { ImageDigestExecutorOptions } from './executors/image-digest/schema';
export { initGenerator } from './generators/init/init';
export type { InitGeneratorOptions } from './generators/init/schema';
export { configurationGenerator } from './generators/configuration/configuration';
export type { ConfigurationGeneratorOptions } from './generators/configuration/schema';

// For the executors after image-digest: where results go, and the image they work on.
export { readImageFile, writeImageFile, imageFileSchema, type ImageFile } from './lib/image-file';
export { defaultImageFile, projectOutputDir, stepOutput, IMAGE_FILE_OUTPUT } from './lib/paths';
export { SHIPSHAPE_EXECUTORS, STEP_OUTPUT_DIRS, OUTPUT_ROOT, executorId, type ShipshapeExecutor } from './lib/names';
export { runExecutorBody, executorLogger, shortDigest } from './lib/executor-output';
export { executorProject, type ExecutorProject } from './lib/project';
export { loadProjectConfig, registryClientFor } from './lib/engine';
