/** @shipshape/core public API: the engine modules the Nx plugin and other callers build on. */
export * from './errors';
export * from './version';
export * from './exec';
export * from './config';
export * from './ci';
export { runCli } from './cli/main';
