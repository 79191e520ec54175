/**
 * What the Jest global setup tells the global teardown (both run in Jest's main process):
 * the state dir of a test environment it started, if any.
 */
const KEY = Symbol.for('shipshape.testEnv.startedByJest');
type Holder = { [KEY]?: string };

export function markStartedByJest(stateDir: string): void {
  (globalThis as Holder)[KEY] = stateDir;
}

export function startedByJest(): string | undefined {
  return (globalThis as Holder)[KEY];
}
