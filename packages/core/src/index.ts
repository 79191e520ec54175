/** @shipshape/core public API: the engine modules the Nx plugin and other callers build on. */
export * from './errors';
export * from './version';
export * from './exec/secrets';
export * from './exec/logger';
export { runCli } from './cli/main';
