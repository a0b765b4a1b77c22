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
 * The task module depends on no application module, not even through its entry point: it is the layer the
 * others build on (shared/, database/ and config/ helpers aside). Applied to src/background-tasks/.
 */
/** @type {import('eslint').Linter.RulesRecord} */
export const taskModuleRules = {
  'no-restricted-imports': [
    'error',
    {
      patterns: PUBLIC_MODULES.filter((module) => module !== 'background-tasks').map((module) => ({
        group: [`**/${module}/**`, `**/${module}/index.js`],
        message: `The task module imports no application module (${module}): the others build on it.`,
      })),
    },
  ],
};

/** Files that may still reach into another module: none. Kept so that an exception is written down here. */
export const NOT_YET_THROUGH_PUBLIC_API = [];
