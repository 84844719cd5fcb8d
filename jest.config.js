'use strict';
// Unit specs sit beside the code they test (*.spec.ts). Integration specs also sit
// beside their code (*.int-spec.ts) and e2e suites live in test/ (*.e2e-spec.ts): both
// talk to the real Redis, NATS and PostgreSQL that test/setup/global-setup.ts starts.
const { swcOptions, tsconfigPaths } = require('./scripts/swc-options');

// Nest 12 and a few other dependencies ship ES modules only; Jest on Node 20 cannot
// load those, so they go through the same swc transform (to CommonJS) as our code.
const ESM_ONLY = ['@nestjs', '@nats-io', 'uuid'];

const moduleNameMapper = Object.fromEntries(
  Object.entries(tsconfigPaths()).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target.replace(/^\.\//, '')}`]),
);

const swc = swcOptions();
const transform = { '^.+\\.(t|j|mj)s$': ['@swc/jest', { ...swc, jsc: { ...swc.jsc, paths: undefined, baseUrl: undefined } }] };

const common = {
  transform,
  moduleNameMapper,
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testEnvironment: 'node',
};

module.exports = {
  // Per test; e2e suites start the platform in beforeAll, which takes a few seconds.
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/scripts/**/*.spec.ts', '<rootDir>/packages/*/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/libs/**/*.int-spec.ts', '<rootDir>/apps/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
  ],
};
