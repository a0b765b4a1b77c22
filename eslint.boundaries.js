// @ts-check
/**
 * Module boundaries: a module with a public entry point (`src/<module>/index.ts`) is imported through it,
 * never through a file inside it. Used by eslint.config.js, and by test/docs/module-boundaries.spec.ts,
 * which shows the rule refusing a deep import.
 */

/** The modules with a public entry point. */
export const PUBLIC_MODULES = [
  'admin',
  'auth',
  'background-tasks',
  'content',
  'demo',
  'health',
  'observability',
];

/** @type {import('eslint').Linter.RulesRecord} */
export const boundaryRules = {
  'no-restricted-imports': [
    'error',
    {
      patterns: PUBLIC_MODULES.map((module) => ({
        group: [`**/${module}/**`, `!**/${module}/index.js`],
        message: `Import ${module} through its public API, src/${module}/index.ts.`,
      })),
    },
  ],
};

/**
 * Files that still reach into another module, and what takes their place (issue "One event stream"):
 * the configuration classes move to per-module configuration; metrics and the lifecycle log subscribe to
 * the task module's one event stream, where they now use its buses and re-read a task's name.
 */
export const NOT_YET_THROUGH_PUBLIC_API = [
  'src/config/app-config.ts',
  'src/config/config.module.ts',
  'src/observability/metrics/task-metrics.ts',
  'src/observability/logging/task-lifecycle-log.ts',
];
