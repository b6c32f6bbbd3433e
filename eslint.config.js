import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Which feature folder of each app may import which: imports go one way, from
 * the routes down to the shared plumbing (`common`), never back up. A feature
 * not listed here imports no other feature.
 */
const LAYERS = {
  'apps/api/src': {
    common: [],
    metrics: [],
    auth: ['common', 'rate-limit'],
    queue: ['common'],
    'rate-limit': ['common', 'metrics'],
    referral: ['common', 'auth', 'metrics'],
    users: ['common', 'auth', 'referral'],
    pumping: ['common', 'metrics'],
    events: ['common', 'auth'],
    'bot-check': ['common', 'metrics', 'pumping', 'rate-limit'],
    'sign-in': ['common', 'auth', 'users', 'referral', 'queue', 'rate-limit', 'pumping', 'metrics', 'bot-check'],
    health: ['common', 'queue'],
    dev: ['common'],
    docs: ['common'],
    web: ['common'],
    'queue-dashboard': ['common', 'rate-limit'],
  },
  'apps/worker/src': {
    metrics: [],
    'code-delivery': ['metrics'],
    retention: [],
    events: ['metrics'],
    health: [],
  },
};

/** One zone per feature: everything of its app but itself and what it may use (the app's top-level files included). */
const zones = Object.entries(LAYERS).flatMap(([app, features]) =>
  Object.entries(features).map(([feature, allowed]) => ({
    target: `./${app}/${feature}`,
    from: `./${app}`,
    except: [`./${feature}`, ...allowed.map((folder) => `./${folder}`)],
    message: `${feature} may import only ${allowed.length ? allowed.join(', ') : 'no other feature'} (eslint.config.js, LAYERS)`,
  })),
);

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      '.data/',
      'bench/results/',
      'packages/client/dist/',
      'packages/client/src/schema.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['**/*.ts'] })),
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // The type-aware rules that catch real bugs.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Nest modules are classes with only decorators.
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones }],
    },
  },
  {
    // Services hold decisions: the SQL and TypeORM's managers stay in the repositories.
    files: ['apps/**/*.service.ts', 'apps/**/*.controller.ts', 'apps/**/*.sweep.ts', 'apps/**/*.guard.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['typeorm', '@nestjs/typeorm'], message: 'data access goes through the feature’s repository' },
          ],
        },
      ],
    },
  },
  {
    // The libraries are shared by both apps and never reach into them.
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/apps/**', 'apps/*'], message: 'a library must not import from apps/' }] },
      ],
    },
  },
  {
    // libs/domain is the rules and contracts: no framework and no platform, so they stay portable and
    // unit-test in milliseconds. What runs them (settings, database, queue, metrics) is libs/platform.
    files: ['libs/domain/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@nestjs/*',
                'typeorm',
                'bullmq',
                'fastify',
                '@fastify/*',
                'pg',
                'ioredis',
                'prom-client',
                'pino',
                'nestjs-pino',
                'class-validator',
                'class-transformer',
                'rxjs',
                'undici',
              ],
              message: 'libs/domain imports no framework: the platform is libs/platform',
            },
            {
              group: ['@app/platform', '@app/platform/*', '**/platform/**'],
              message: 'libs/domain does not depend on libs/platform (the platform depends on the domain)',
            },
            { group: ['**/apps/**'], message: 'a library must not import from apps/' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      // Test bodies read rows and JSON bodies loosely on purpose.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { globals: globals.node, sourceType: 'commonjs' },
  },
  {
    // The web page runs in the browser.
    files: ['apps/api/src/web/public/**/*.js'],
    languageOptions: { globals: globals.browser, sourceType: 'script' },
  },
  prettier,
);
