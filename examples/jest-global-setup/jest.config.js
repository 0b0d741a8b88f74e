// jest configuration for the recipe (jest is not a dependency of this repository; the recipe's
// setup/teardown functions are exercised by packages/node-api/test/examples.test.ts).
/** @type {import('jest').Config} */
export default {
  globalSetup: './global-setup.ts',
  globalTeardown: './global-teardown.ts',
  testEnvironment: 'node',
  // TypeScript: ts-jest or @swc/jest, e.g. transform: { '^.+\\.ts$': '@swc/jest' }
};
