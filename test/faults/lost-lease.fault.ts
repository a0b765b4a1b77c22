import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { ChildWorker } from '../support/child-worker.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';
import { createRunsTableSql, FaultStepsTask, RUNS_TABLE } from '../support/test-tasks.js';
import { reportScenario, sleep } from './support/fault-report.js';

const postgres = process.env.TEST_POSTGRES_URL ? describe : describe.skip;
const LEASE_MS = 2_000;

postgres('lost lease: a worker frozen past its lease comes back [postgres]', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create('postgres');
    await db.sql(createRunsTableSql('postgres', db.table(RUNS_TABLE)));
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('rejects and logs every write of the stale worker; the task ends as the new owner left it', async () => {
    const env = { ...db.env, LEASE_DURATION: `${LEASE_MS}ms`, PollingDelay: '250ms', TEST_LOGS: '1' };
    const api = await createTestApp(db, { env: { APP_ROLE: 'api' } });
    const store = api.get(TaskStore);
    const stale = await ChildWorker.start(env);
    let fresh: ChildWorker | undefined;
    try {
      const id = await api.get(BackgroundTaskQueue).enqueue(FaultStepsTask, { steps: 8, stepMs: 1_000 });
      // Frozen once the task is at its second step (or later: a poll may come late), with steps to go.
      await eventually(async () => ((await store.findById(id))?.progress.step ?? 0) >= 2, 30_000, 20);
      stale.process.kill('SIGSTOP');
      const frozenTask = (await store.findById(id))!;
      expect(frozenTask.status).toBe('processing');
      const frozenOwner = frozenTask.leaseOwner!;
      const frozenStep = frozenTask.progress.step;
      const frozenAt = Date.now();
      fresh = await ChildWorker.start(env);
      const taken = await eventually(
        async () => {
          const task = await store.findById(id);
          return task?.leaseOwner && task.leaseOwner !== frozenOwner ? task : undefined;
        },
        15_000,
        20,
      );
      const takenAfterMs = Date.now() - frozenAt;
      await sleep(Math.max(0, frozenAt + 2 * LEASE_MS + 1_000 - Date.now()));
      stale.process.kill('SIGCONT');

      const done = await eventually(
        async () => {
          const task = await store.findById(id);
          return task?.status === 'completed' ? task : undefined;
        },
        30_000,
        50,
      );
      // The stale worker wakes, tries its writes about the task, and logs that they were fenced out.
      const leaseLost = new RegExp(`Task ${id} \\(test.fault-steps\\) lease lost`);
      await eventually(() => leaseLost.test(stale.output), 30_000, 50);
      const staleLog = stale.output;
      const rejections = staleLog.split('\n').filter((line) => /lease lost|ending rejected/.test(line));
      const staleWroteLast =
        done.leaseOwner === frozenOwner || (done.result as { pid: number }).pid === stale.pid;

      reportScenario(
        'lost lease (PostgreSQL, SIGSTOP past the lease)',
        `worker frozen with the task at step ${frozenStep}; another worker took it ${takenAfterMs} ms later ` +
          `(lease ${LEASE_MS} ms) and completed it (attempt ${done.attempts}); the frozen worker woke, its writes ` +
          `were rejected and logged (${rejections.length} log lines), and the final state is the new owner's`,
        {
          leaseMs: LEASE_MS,
          takenAfterMs,
          attempts: done.attempts,
          rejectionLogLines: rejections.length,
          staleWroteLast,
        },
      );
      expect(taken.attempts).toBe(2);
      expect((done.result as { pid: number }).pid).toBe(fresh.pid);
      expect(staleWroteLast).toBe(false);
      expect(rejections.length).toBeGreaterThan(0);
      expect(staleLog).toMatch(leaseLost);
    } finally {
      stale.process.kill('SIGCONT');
      await api.close();
      await Promise.all([stale.stop(), fresh?.stop()]);
    }
  });
});
