import { BackgroundTaskQueue } from '../../../src/background-tasks/queue/background-task-queue.js';
import { ChildWorker } from '../../support/child-worker.js';
import { createTestApp, eventually } from '../../support/test-app.js';
import type { TestDatabase } from '../../support/test-database.js';
import { createRunsTableSql, FaultStepsTask, RUNS_TABLE } from '../../support/test-tasks.js';
import { sleep } from './fault-report.js';

export interface CrashScenario {
  readonly workers: number;
  readonly slotsPerWorker: number;
  readonly tasks: number;
  readonly kills: number;
  readonly killEveryMs: number;
  readonly stepMs: number;
  readonly leaseMs: number;
  readonly pollingMs: number;
}

export interface CrashFigures extends Record<string, number> {
  readonly tasks: number;
  readonly completed: number;
  readonly notCompleted: number;
  readonly kills: number;
  readonly drainMs: number;
  readonly stepsRun: number;
  readonly stepsRunTwice: number;
  readonly duplicatesNotFromAKilledRun: number;
  readonly duplicatesNotTheLastStepOfTheirRun: number;
  readonly interruptedRuns: number;
  readonly worstRecoveryMs: number;
  readonly recoveryLimitMs: number;
}

interface StepRow {
  task_id: string;
  attempt: number;
  worker: string;
  step: number;
  recorded_at: string;
}

/**
 * Runs workers in their own processes on one database and kills one with SIGKILL every few seconds
 * (restarting it at once) while they drain tasks of three checkpointed steps. Then reads the side table:
 * which steps ran, by which process and attempt, and when each interrupted task started again.
 */
export async function runCrashScenario(db: TestDatabase, plan: CrashScenario): Promise<CrashFigures> {
  await db.sql(createRunsTableSql(db.engine, db.table(RUNS_TABLE)));
  const env = {
    ...db.env,
    WORKER_CONCURRENCY: String(plan.slotsPerWorker),
    LEASE_DURATION: `${plan.leaseMs}ms`,
    PollingDelay: `${plan.pollingMs}ms`,
    SchedulerRetryDelays: '100ms',
  };
  const workers = await Promise.all(Array.from({ length: plan.workers }, () => ChildWorker.start(env)));
  const kills: { pid: string; at: number }[] = [];
  const api = await createTestApp(db, { env: { APP_ROLE: 'api' } });
  try {
    const metadata = Array.from({ length: plan.tasks }, () => ({ steps: 3, stepMs: plan.stepMs }));
    await api.get(BackgroundTaskQueue).enqueueMany(FaultStepsTask, metadata, { maxAttempts: 50 });
    const started = Date.now();
    for (let kill = 0; kill < plan.kills; kill++) {
      await sleep(plan.killEveryMs * (0.75 + Math.random() / 2));
      const index = Math.floor(Math.random() * workers.length);
      const victim = workers[index];
      kills.push({ pid: String(victim.pid), at: Date.now() });
      await victim.stop('SIGKILL');
      workers[index] = await ChildWorker.start(env);
    }
    await eventually(async () => (await db.count("status = 'completed'")) === plan.tasks, 180_000, 250);
    const drainMs = Date.now() - started;
    return { ...(await analyse(db, plan, kills)), drainMs };
  } finally {
    await api.close();
    await Promise.all(workers.map((worker) => worker.stop('SIGTERM')));
  }
}

async function analyse(db: TestDatabase, plan: CrashScenario, kills: { pid: string; at: number }[]) {
  const rows = (
    await db.sql<StepRow>(`SELECT task_id, attempt, worker, step, recorded_at FROM ${db.table(RUNS_TABLE)}`)
  ).map((row) => ({ ...row, attempt: Number(row.attempt), step: Number(row.step) }));
  const killedAt = new Map(kills.map((kill) => [kill.pid, kill.at]));
  const runs = new Map<string, StepRow[]>(); // task/attempt → its rows
  for (const row of rows) {
    const key = `${row.task_id}/${row.attempt}`;
    runs.set(key, [...(runs.get(key) ?? []), row]);
  }
  const lastStepOf = (row: StepRow) =>
    Math.max(...runs.get(`${row.task_id}/${row.attempt}`)!.map((r) => r.step));

  // Every step that ran more than once, and whether each earlier run of it was the last thing a killed
  // process did before it died (the only way a step may repeat).
  const byStep = new Map<string, StepRow[]>();
  for (const row of rows.filter((r) => r.step > 0)) {
    const key = `${row.task_id}/${row.step}`;
    byStep.set(key, [...(byStep.get(key) ?? []), row]);
  }
  let stepsRunTwice = 0;
  let notFromKilled = 0;
  let notLastStep = 0;
  for (const executions of byStep.values()) {
    if (executions.length < 2) continue;
    stepsRunTwice++;
    const earlier = executions.sort((a, b) => a.attempt - b.attempt).slice(0, -1);
    for (const row of earlier) {
      if (!killedAt.has(row.worker)) notFromKilled++;
      if (lastStepOf(row) !== row.step) notLastStep++;
    }
  }

  // Recovery: a run of a killed process that did not finish was followed by the task's next run; measure from
  // the kill to that next run's start (its step-0 row).
  let interruptedRuns = 0;
  let worstRecoveryMs = 0;
  for (const [key, runRows] of runs) {
    const [taskId, attempt] = key.split('/');
    const killed = killedAt.get(runRows[0].worker);
    const next = runs.get(`${taskId}/${Number(attempt) + 1}`);
    if (killed === undefined || !next) continue;
    interruptedRuns++;
    const restart = next.find((row) => row.step === 0);
    if (restart)
      worstRecoveryMs = Math.max(worstRecoveryMs, new Date(restart.recorded_at).getTime() - killed);
  }

  const completed = await db.count("status = 'completed'");
  return {
    tasks: plan.tasks,
    completed,
    notCompleted: await db.count("status <> 'completed'"),
    kills: kills.length,
    stepsRun: rows.filter((r) => r.step > 0).length,
    stepsRunTwice,
    duplicatesNotFromAKilledRun: notFromKilled,
    duplicatesNotTheLastStepOfTheirRun: notLastStep,
    interruptedRuns,
    worstRecoveryMs,
    recoveryLimitMs: plan.leaseMs + plan.pollingMs,
  };
}
