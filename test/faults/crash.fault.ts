import { TestDatabase } from '../support/test-database.js';
import { runCrashScenario } from './support/crash-scenario.js';
import { reportScenario } from './support/fault-report.js';

const postgres = process.env.TEST_POSTGRES_URL ? describe : describe.skip;

postgres('crash: SIGKILL a worker every ~2 s while three workers drain 5,000 tasks [postgres]', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create('postgres');
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('completes every task, repeats only steps cut mid-way, and restarts killed tasks within lease + polling', async () => {
    const figures = await runCrashScenario(db, {
      workers: 3,
      slotsPerWorker: 8,
      tasks: 5_000,
      kills: 10,
      killEveryMs: 2_000,
      stepMs: 40,
      leaseMs: 2_000,
      pollingMs: 250,
    });
    reportScenario(
      'crash (PostgreSQL, 3 processes x 8 slots)',
      `${figures.completed}/${figures.tasks} completed after ${figures.kills} SIGKILLs in ${(figures.drainMs / 1000).toFixed(1)} s; ` +
        `${figures.interruptedRuns} runs interrupted, ${figures.stepsRunTwice} of ${figures.stepsRun} steps ran twice ` +
        `(all cut mid-step); killed tasks running again after <= ${figures.worstRecoveryMs} ms ` +
        `(lease + polling = ${figures.recoveryLimitMs} ms)`,
      figures,
    );
    expect(figures.completed).toBe(figures.tasks);
    expect(figures.notCompleted).toBe(0);
    expect(figures.duplicatesNotFromAKilledRun).toBe(0);
    expect(figures.duplicatesNotTheLastStepOfTheirRun).toBe(0);
    expect(figures.interruptedRuns).toBeGreaterThan(0);
    // Within lease + polling, plus the claim round and the step-0 write, which a busy machine can stretch:
    // the bound tells a recovered task (seconds) from one left to wait behind the queue (tens of seconds).
    expect(figures.worstRecoveryMs).toBeLessThanOrEqual(3 * figures.recoveryLimitMs);
  });
});
