import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger, Module, type INestApplication } from '@nestjs/common';
import { jest } from '@jest/globals';
import { CronTime } from 'cron';
import { BackgroundTask } from '../../src/background-tasks/contract/background-task.decorator.js';
import type { BackgroundTaskExecutor } from '../../src/background-tasks/contract/background-task-executor.js';
import { TaskOutcome } from '../../src/background-tasks/contract/task-outcome.js';
import { TaskFiles } from '../../src/background-tasks/files/task-files.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { RecurringTaskScheduler } from '../../src/background-tasks/scheduling/recurring-task-scheduler.js';
import { RetentionSweeper } from '../../src/background-tasks/scheduling/retention-sweeper.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { SleepTask } from '../support/test-tasks.js';

@BackgroundTask('test.every-second', { schedule: { cron: '* * * * * *', metadata: { source: 'cron' } } })
class EverySecondTask implements BackgroundTaskExecutor<{ source: string }> {
  execute() {
    return Promise.resolve(TaskOutcome.success());
  }
}

@Module({ providers: [EverySecondTask] })
class RecurringTasksModule {}

describe('RecurringTaskScheduler.slotOf', () => {
  it('gives every instance the same slot for a tick, even a late one', () => {
    const everyMinute = new CronTime('0 * * * * *');
    const slot = new Date('2026-11-23T10:15:00.000Z');
    expect(RecurringTaskScheduler.slotOf(everyMinute, new Date('2026-11-23T10:15:00.003Z'))).toEqual(slot);
    expect(RecurringTaskScheduler.slotOf(everyMinute, new Date('2026-11-23T10:15:00.420Z'))).toEqual(slot);
    expect(RecurringTaskScheduler.slotOf(everyMinute, new Date('2026-11-23T10:14:59.999Z'))).toEqual(slot);
  });

  it("reads the expression in the schedule's time zone", () => {
    // 03:00 in Tokyo (UTC+9) is 18:00 UTC the day before; read in UTC, the slot would be 03:00 UTC.
    const tokyo = 'Asia/Tokyo';
    const at3 = new CronTime('0 0 3 * * *', tokyo);
    const tick = new Date('2026-11-23T18:00:00.120Z');
    expect(RecurringTaskScheduler.slotOf(at3, tick, tokyo)).toEqual(new Date('2026-11-23T18:00:00.000Z'));
    expect(RecurringTaskScheduler.nextSlot('0 3 * * *', tick, tokyo)).toEqual(
      new Date('2026-11-24T18:00:00.000Z'),
    );
  });
});

describe.each(TEST_ENGINES)('scheduling [%s]', (engine) => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await TestDatabase.create(engine);
  });

  afterEach(async () => {
    await db?.dispose();
  });

  it('enqueues a recurring task once per slot, however many instances tick', async () => {
    const instances: INestApplication[] = [];
    const started = Date.now();
    try {
      for (let i = 0; i < 3; i++)
        instances.push(await createTestApp(db, { imports: [RecurringTasksModule] }));
      // At least two slots: cron skips a tick that comes too late on a starved event loop, so wait for
      // them rather than for a time.
      await eventually(async () => (await db.count("name = 'test.every-second'")) >= 2, 30_000, 100);
    } finally {
      await Promise.all(instances.map((instance) => instance.close()));
    }
    const rows = await db.sql<{ idempotency_key: string; metadata: unknown }>(
      `SELECT idempotency_key, metadata FROM ${db.table('background_tasks')} WHERE name = 'test.every-second'`,
    );
    const slots = rows.map((row) => row.idempotency_key);
    // One task per elapsed second at most, not one per instance and second.
    const seconds = (Date.now() - started) / 1000;
    expect(slots.length).toBeGreaterThanOrEqual(2);
    expect(slots.length).toBeLessThanOrEqual(Math.ceil(seconds) + 1); // once per slot, not per instance
    expect(new Set(slots).size).toBe(slots.length);
    for (const slot of slots)
      expect(slot).toMatch(/^schedule:test\.every-second:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
  });

  it('skips the slots of a paused task name and enqueues the next ones once it is resumed', async () => {
    const skipped: string[] = [];
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(function (message: unknown) {
      const slot = /^Skipped the slot (\S+) of test\.every-second/.exec(String(message))?.[1];
      if (slot) skipped.push(slot);
    });
    const app = await createTestApp(db, { imports: [RecurringTasksModule] });
    try {
      const store = app.get(TaskStore);
      await store.setPaused('test.every-second', true, 'alice');
      await eventually(() => skipped.length >= 2, 30_000, 50);
      await store.setPaused('test.every-second', false, 'alice');
      await eventually(async () => (await db.count("name = 'test.every-second'")) >= 1, 30_000, 100);
    } finally {
      await app.close();
      log.mockRestore();
    }
    const rows = await db.sql<{ idempotency_key: string }>(
      `SELECT idempotency_key FROM ${db.table('background_tasks')} WHERE name = 'test.every-second'`,
    );
    // No skipped slot was enqueued after all (a tick before the pause committed may have been).
    const enqueued = new Set(rows.map((row) => row.idempotency_key));
    for (const slot of skipped) expect(enqueued.has(`schedule:test.every-second:${slot}`)).toBe(false);
  });

  it('deletes finished tasks past retention in batches, with their files, and keeps the rest', async () => {
    const app = await createTestApp(db, { env: { APP_ROLE: 'api', TASK_RETENTION: '1d' } });
    try {
      const queue = app.get(BackgroundTaskQueue);
      const store = app.get(TaskStore);
      const files = app.get(TaskFiles);
      const ids = await queue.enqueueMany(
        SleepTask,
        Array.from({ length: 1_203 }, () => ({ ms: 1 })),
      );
      const [waiting, recent] = [ids[0], ids[1]];
      // Finish all but the first as cancelled; date all but the second two days back.
      const t = db.table('background_tasks');
      await db.sql(`UPDATE ${t} SET status = 'cancelled', completed_at = ? WHERE id <> ?`, [
        engine === 'sqlite'
          ? new Date(Date.now() - 2 * 86_400_000).toISOString()
          : new Date(Date.now() - 2 * 86_400_000),
        waiting,
      ]);
      await db.sql(`UPDATE ${t} SET completed_at = ? WHERE id = ?`, [
        engine === 'sqlite' ? new Date().toISOString() : new Date(),
        recent,
      ]);
      const oldDirectory = await files.ensureDirectory(ids[2]);
      await writeFile(join(oldDirectory, 'export.csv'), 'id\n1\n');
      const recentDirectory = await files.ensureDirectory(recent);

      const deleted = await app.get(RetentionSweeper).sweep();

      expect(deleted).toBe(1_201);
      expect(await db.count()).toBe(2);
      expect(await store.findById(waiting)).toBeDefined();
      expect(await store.findById(recent)).toBeDefined();
      await expect(writeFile(join(oldDirectory, 'x'), '')).rejects.toThrow(/ENOENT/);
      await expect(writeFile(join(recentDirectory, 'x'), '')).resolves.toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
