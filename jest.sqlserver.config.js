// `npm run test:sqlserver`: the suites that run against a T-SQL server (TEST_MSSQL_URL), on their own.
// Each suite listed here passes on Babelfish for PostgreSQL 4.2 in a time zone other than UTC; the others
// still run their SQLite and PostgreSQL cases in `npm test`, and join this list as they pass on SQL Server.
// Not yet here: enqueue-and-run passes on an idle machine but its bulk drain outlasts its 120 s wait on a
// busy one (Babelfish ignores READPAST, so claimers wait for each other's row locks).
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  testMatch: [
    '<rootDir>/src/background-tasks/storage/**/*.spec.ts',
    '<rootDir>/test/database/*.spec.ts',
    '<rootDir>/test/background-tasks/task-store-contract.spec.ts',
    '<rootDir>/test/background-tasks/leases-and-fencing.spec.ts',
    '<rootDir>/test/background-tasks/scheduling.spec.ts',
    '<rootDir>/test/e2e/content-api.e2e.spec.ts',
  ],
};
