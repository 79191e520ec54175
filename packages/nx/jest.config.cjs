// Executor tests run against the real test registries. tools/test.sh provides them; without it, core's
// global setup starts a separate set for this package (its own state dir, so two Jest runs never share one).
if (!process.env.SHIPSHAPE_TEST_REGISTRY) process.env.SHIPSHAPE_TEST_ENV_DIR ??= 'tmp/test-env-nx';

module.exports = {
  ...require('../../jest.preset.cjs'),
  roots: ['<rootDir>/src'],
  globalSetup: '<rootDir>/../core/src/test-support/global-setup.ts',
  globalTeardown: '<rootDir>/../core/src/test-support/global-teardown.ts',
};
