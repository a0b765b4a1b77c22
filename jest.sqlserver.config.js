// `npm run test:sqlserver`: the suites that run against a T-SQL server (TEST_MSSQL_URL), on their own.
// Each suite listed here passes on Babelfish for PostgreSQL 4.2 in a time zone other than UTC; the others
// still run their SQLite and PostgreSQL cases in `npm test`, and join this list as they pass on SQL Server.
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  testMatch: [
    '<rootDir>/src/background-tasks/storage/**/*.spec.ts',
    '<rootDir>/test/database/*.spec.ts',
    '<rootDir>/test/background-tasks/task-store-contract.spec.ts',
    '<rootDir>/test/background-tasks/enqueue-and-run.spec.ts',
    '<rootDir>/test/background-tasks/leases-and-fencing.spec.ts',
    '<rootDir>/test/background-tasks/scheduling.spec.ts',
    '<rootDir>/test/e2e/content-api.e2e.spec.ts',
  ],
};
