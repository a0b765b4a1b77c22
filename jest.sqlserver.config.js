// `npm run test:sqlserver`: the suites that run against a T-SQL server (TEST_MSSQL_URL), on their own: the
// SQL Server statements' unit and grammar tests, and every suite with cases per engine (TEST_ENGINES) but
// local-handoff (SQL Server's store hands no task over at its insert). Each passes on Babelfish for
// PostgreSQL 4.2 in a time zone other than UTC. With TEST_MSSQL_FLAVOR=babelfish one test is skipped, and
// says so: a claim past a row another transaction holds locked (Babelfish ignores READPAST and waits).
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  testMatch: [
    '<rootDir>/src/background-tasks/storage/**/*.spec.ts',
    '<rootDir>/src/database/*.spec.ts',
    '<rootDir>/test/database/tsql-grammar.spec.ts',
    '<rootDir>/test/background-tasks/concurrent-workers.spec.ts',
    '<rootDir>/test/background-tasks/enqueue-and-run.spec.ts',
    '<rootDir>/test/background-tasks/flow-control.spec.ts',
    '<rootDir>/test/background-tasks/flow-control-processes.spec.ts',
    '<rootDir>/test/background-tasks/graceful-shutdown.spec.ts',
    '<rootDir>/test/background-tasks/handler-boundaries.spec.ts',
    '<rootDir>/test/background-tasks/leases-and-fencing.spec.ts',
    '<rootDir>/test/background-tasks/prefetch.spec.ts',
    '<rootDir>/test/background-tasks/resume-after-sigterm.spec.ts',
    '<rootDir>/test/background-tasks/scheduling.spec.ts',
    '<rootDir>/test/background-tasks/task-contract.spec.ts',
    '<rootDir>/test/background-tasks/task-store-contract.spec.ts',
    '<rootDir>/test/background-tasks/wake-ups.spec.ts',
    '<rootDir>/test/content/csv-round-trip.spec.ts',
    '<rootDir>/test/content/export-resume.spec.ts',
    '<rootDir>/test/database/migrations.spec.ts',
    '<rootDir>/test/e2e/background-task-commands.e2e.spec.ts',
    '<rootDir>/test/e2e/background-tasks-api.e2e.spec.ts',
    '<rootDir>/test/e2e/task-queues.e2e.spec.ts',
    '<rootDir>/test/e2e/bulk-operations.e2e.spec.ts',
    '<rootDir>/test/e2e/traces.e2e.spec.ts',
    '<rootDir>/test/e2e/operator-console.e2e.spec.ts',
    '<rootDir>/test/e2e/content-api.e2e.spec.ts',
    '<rootDir>/test/e2e/health.e2e.spec.ts',
    '<rootDir>/test/e2e/live-updates.e2e.spec.ts',
    '<rootDir>/test/e2e/observability.e2e.spec.ts',
    '<rootDir>/test/e2e/roles.e2e.spec.ts',
  ],
};
