import './test/support/clean-environment.mjs';

/** Jest runs the TypeScript sources as native ES modules, compiled by SWC. */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@app/domain$': '<rootDir>/libs/domain/src/index.ts',
    '^@app/platform$': '<rootDir>/libs/platform/src/index.ts',
    '^@app/platform/node-version$': '<rootDir>/libs/platform/src/config/node-version.ts',
    '^@app/platform/tracing$': '<rootDir>/libs/platform/src/config/tracing.ts',
    // Its ES build imports JSON without an import attribute, which Jest warns about; the CJS build is the same code.
    '^libphonenumber-js/max$': '<rootDir>/node_modules/libphonenumber-js/max/index.cjs',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};

export default {
  // Two files at a time, each worker on its own copy of the test database (global-setup.mjs). The
  // fault, scale and image suites stop and load shared engines: their scripts run them in band.
  maxWorkers: 2,
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'scale',
      testMatch: ['<rootDir>/test/scale/**/*.scale-spec.ts'],
      testEnvironment: '<rootDir>/test/support/environment.mjs',
      setupFilesAfterEnv: ['<rootDir>/test/support/each-file.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
    {
      ...common,
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'],
      testEnvironment: '<rootDir>/test/support/environment.mjs',
      setupFilesAfterEnv: ['<rootDir>/test/support/each-file.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
    {
      ...common,
      displayName: 'image',
      testMatch: ['<rootDir>/test/image/**/*.image-spec.ts'],
      testEnvironment: '<rootDir>/test/support/environment.mjs',
      setupFilesAfterEnv: ['<rootDir>/test/support/each-file.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
    {
      ...common,
      // A service with its repositories on the real PostgreSQL, no HTTP (test/medium).
      displayName: 'medium',
      testMatch: ['<rootDir>/test/medium/**/*.medium-spec.ts'],
      testEnvironment: '<rootDir>/test/support/environment.mjs',
      setupFilesAfterEnv: ['<rootDir>/test/support/each-file.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
    {
      ...common,
      displayName: 'latency',
      testMatch: ['<rootDir>/test/bench/**/*.bench-spec.ts'],
      testEnvironment: '<rootDir>/test/support/environment.mjs',
      setupFilesAfterEnv: ['<rootDir>/test/support/each-file.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      testEnvironment: '<rootDir>/test/support/environment.mjs',
      setupFilesAfterEnv: ['<rootDir>/test/support/each-file.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
  ],
};
