// The end-to-end tests: real workspaces made by create-nx-workspace, the packed plugin, the real test
// registries. tools/test.sh provides the registries; without it, core's global setup starts a separate
// set for this run (its own state dir) and stops it afterwards. One file at a time: each drives several
// Nx runs that use both cores, and their timings are part of what a reader looks at.
if (!process.env.SHIPSHAPE_TEST_REGISTRY) process.env.SHIPSHAPE_TEST_ENV_DIR ??= 'tmp/test-env-e2e';

module.exports = {
  ...require('../jest.preset.cjs'),
  rootDir: __dirname,
  roots: ['<rootDir>/src'],
  maxWorkers: 1,
  testTimeout: 20 * 60 * 1000,
  globalSetup: '<rootDir>/../packages/core/src/test-support/global-setup.ts',
  globalTeardown: '<rootDir>/../packages/core/src/test-support/global-teardown.ts',
};
