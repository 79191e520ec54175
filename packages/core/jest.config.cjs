module.exports = {
  ...require('../../jest.preset.cjs'),
  roots: ['<rootDir>/src'],
  // Starts the test environment (tools/test-env/up.sh) when tools/test.sh has not already done so.
  globalSetup: '<rootDir>/src/test-support/global-setup.ts',
  globalTeardown: '<rootDir>/src/test-support/global-teardown.ts',
};
