// Shared Jest setup. @swc/jest compiles TypeScript to CommonJS but keeps `import()` as a real dynamic
// import (ignoreDynamic), so ESM-only dependencies (execa, p-limit) load their genuine ESM builds under
// Node's --experimental-vm-modules (set in each package's test script). Type checking is `tsc` in lint.
module.exports = {
  testEnvironment: 'node',
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs', ignoreDynamic: true },
        sourceMaps: 'inline',
      },
    ],
  },
  // Lazy `import('./x.js')` of our own modules (tsc's node16 mode wants the extension there): the
  // TypeScript source has none.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 60000,
};
