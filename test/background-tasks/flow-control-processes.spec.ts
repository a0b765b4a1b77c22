import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { ChildWorker } from '../support/child-worker.js';
import { FLOW_LIMITED, FlowLimitedTask, FlowTestTasksModule } from '../support/flow-test-tasks.js';
import { createTestApp, untilCount } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { createRunsTableSql, RUNS_TABLE } from '../support/test-tasks.js';

const TASKS = 30;
const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4'];

interface Run {
  readonly taskId: string;
  readonly key: string;
  readonly start: bigint;
  readonly end: bigint;
}

/** The most runs that were running at one moment: a sweep over every start (+1) and end (-1). */
function maxOverlap(runs: readonly Run[]): number {
  const events = runs.flatMap((run) => [
    { at: run.start, change: 1 },
    { at: run.end, change: -1 },
  ]);
  // At one instant an end comes before a start: the run that ended gave its place first.
  events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.change - b.change));
  let running = 0;
  let most = 0;
  for (const { change } of events) most = Math.max(most, (running += change));
  return most;
}

describe.each(TEST_ENGINES)('flow control across worker processes [%s]', (engine) => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await TestDatabase.create(engine);
    await db.sql(createRunsTableSql(engine, db.table(RUNS_TABLE)));
  });

  afterEach(async () => {
    await db?.dispose();
  });

  it('never runs more than the name allows, nor more than one of a key, across three processes', async () => {
    const env = { ...db.env, WORKER_CONCURRENCY: '2', PollingDelay: '50ms', TEST_FLOW_TASKS: '1' };
    const workers = await Promise.all([
      ChildWorker.start(env),
      ChildWorker.start(env),
      ChildWorker.start(env),
    ]);
    try {
      const api = await createTestApp(db, { env: { APP_ROLE: 'api' }, imports: [FlowTestTasksModule] });
      const keyOf = new Map<string, string>();
      try {
        const queue = api.get(BackgroundTaskQueue);
        for (let i = 0; i < TASKS; i++) {
          const key = KEYS[i % KEYS.length];
          const id = await queue.enqueue(FlowLimitedTask, { key, runMs: 30 }, { concurrencyKey: key });
          keyOf.set(id, key);
        }
      } finally {
        await api.close();
      }
      await untilCount(() => db.count("status = 'completed'"), TASKS);

      const rows = await db.sql<{ task_id: string; step: number; worker: string; recorded_at: string }>(
        `SELECT task_id, step, worker, recorded_at FROM ${db.table(RUNS_TABLE)}`,
      );
      const runs: Run[] = [...keyOf].map(([taskId, key]) => {
        const mine = rows.filter((row) => row.task_id.toLowerCase() === taskId);
        // Each task ran once: one start, one end.
        expect(mine.map((row) => Number(row.step)).sort()).toEqual([0, 1]);
        const at = (step: number) => BigInt(mine.find((row) => Number(row.step) === step)!.recorded_at);
        return { taskId, key, start: at(0), end: at(1) };
      });
      expect(maxOverlap(runs)).toBeLessThanOrEqual(FLOW_LIMITED.concurrency);
      for (const key of KEYS) {
        expect({ key, most: maxOverlap(runs.filter((run) => run.key === key)) }).toEqual({ key, most: 1 });
      }
      expect(new Set(rows.map((row) => row.worker)).size).toBeGreaterThan(1);
    } finally {
      const exits = await Promise.all(workers.map((worker) => worker.stop()));
      expect(exits.map((exit) => exit.signal)).toEqual(['SIGTERM', 'SIGTERM', 'SIGTERM']);
    }
  }, 600_000); // three worker processes compiled on the fly: minutes on a busy machine
});

describe('maxOverlap', () => {
  const run = (start: number, end: number): Run => ({
    taskId: '',
    key: '',
    start: BigInt(start),
    end: BigInt(end),
  });

  it('counts runs that overlap, and not one that starts as another ends', () => {
    expect(maxOverlap([run(0, 10), run(5, 15), run(8, 9)])).toBe(3);
    expect(maxOverlap([run(0, 10), run(10, 20), run(20, 30)])).toBe(1);
    expect(maxOverlap([])).toBe(0);
  });
});
