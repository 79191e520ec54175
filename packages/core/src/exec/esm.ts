/**
 * The one place that loads ESM-only dependencies (execa, p-limit) into this CommonJS package.
 * TypeScript's node16 module mode keeps `import()` as a real dynamic import, so Node (and Jest run
 * with --experimental-vm-modules) load the genuine ESM builds; nothing is transpiled or mocked.
 */
type Execa = typeof import('execa', { with: { 'resolution-mode': 'import' } });
type PLimit = typeof import('p-limit', { with: { 'resolution-mode': 'import' } })['default'];

let execaModule: Promise<Execa> | undefined;
let pLimitModule: Promise<PLimit> | undefined;

export function loadExeca(): Promise<Execa> {
  execaModule ??= import('execa');
  return execaModule;
}

export async function loadPLimit(): Promise<PLimit> {
  pLimitModule ??= import('p-limit').then((m) => m.default);
  return pLimitModule;
}
