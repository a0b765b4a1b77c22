// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';
import { boundaryRules, NOT_YET_THROUGH_PUBLIC_API, taskModuleRules } from './eslint.boundaries.js';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'coverage/**',
      'node_modules/**',
      'bench/peers/**',
      'data/**',
      'test-artifacts/**',
      'bench/.work/**',
      '*.config.js',
      'eslint.boundaries.js',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A forgotten await on a database write is the bug this project exists to prevent.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Nest modules and CQRS handlers are classes with decorators only.
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  {
    // Modules reach each other only through their public entry points (eslint.boundaries.js). Tests may
    // reach inside: they test the internals.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts', ...NOT_YET_THROUGH_PUBLIC_API],
    rules: boundaryRules,
  },
  {
    files: ['src/background-tasks/**/*.ts'],
    ignores: ['src/**/*.spec.ts'],
    rules: taskModuleRules,
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // The dashboard's script runs in the browser as is: plain JavaScript, no type information.
    files: ['src/admin/public/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false, project: null },
      globals: Object.fromEntries(
        [
          'document',
          'window',
          'fetch',
          'sessionStorage',
          'EventSource',
          'URL',
          'URLSearchParams',
          'FormData',
          'Option',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'location',
          'Node',
          'Intl',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    // The generators (plop loads this file in Node as is): plain JavaScript, no type information.
    files: ['plopfile.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { parserOptions: { projectService: false, project: null } },
  },
  prettier,
);
