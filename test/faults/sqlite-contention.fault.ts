import { TestDatabase } from '../support/test-database.js';
import { runCrashScenario } from './support/crash-scenario.js';
import { reportScenario } from './support/fault-report.js';

describe('SQLite under contention: three processes on one file, one killed every ~2 s', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create('sqlite');
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('completes every task with the same guarantees as the server databases', async () => {
    const figures = await runCrashScenario(db, {
      workers: 3,
      slotsPerWorker: 8,
      tasks: 1_500,
      kills: 5,
      killEveryMs: 2_000,
      stepMs: 30,
      leaseMs: 2_000,
      pollingMs: 250,
    });
    reportScenario(
      'SQLite contention (3 processes x 8 slots, WAL)',
      `${figures.completed}/${figures.tasks} completed after ${figures.kills} SIGKILLs in ${(figures.drainMs / 1000).toFixed(1)} s; ` +
        `${figures.interruptedRuns} runs interrupted, ${figures.stepsRunTwice} of ${figures.stepsRun} steps ran twice ` +
        `(all cut mid-step); killed tasks running again after <= ${figures.worstRecoveryMs} ms`,
      figures,
    );
    expect(figures.completed).toBe(figures.tasks);
    expect(figures.notCompleted).toBe(0);
    expect(figures.duplicatesNotFromAKilledRun).toBe(0);
    expect(figures.duplicatesNotTheLastStepOfTheirRun).toBe(0);
    // Lease + polling, stretched by a busy machine: tells a recovered task from one left behind the queue.
    expect(figures.worstRecoveryMs).toBeLessThanOrEqual(3 * figures.recoveryLimitMs);
  });
});
