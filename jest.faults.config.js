// `npm run test:faults`: the fault scenarios of test/faults, one at a time (they start and kill processes,
// and one stops the database), each printing a one-line summary with its figures.
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  testMatch: ['<rootDir>/test/faults/**/*.fault.ts'],
  maxWorkers: 1,
  testTimeout: 300_000,
};
