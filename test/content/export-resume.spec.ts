import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskFiles } from '../../src/background-tasks/files/task-files.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { DemoContentSeeder } from '../../src/content/seed/demo-content.seeder.js';
import { ContentTypeRepository } from '../../src/content/storage/content-type.repository.js';
import {
  ExportContentItemsTask,
  type ExportCheckpoint,
} from '../../src/content/tasks/export-content-items.task.js';
import { ChildWorker } from '../support/child-worker.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';

const ITEMS = 60_000;

describe.each(TEST_ENGINES)('an export interrupted by SIGTERM and resumed [%s]', (engine) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('produces a file byte-identical to an uninterrupted export', async () => {
    const api = await createTestApp(db, { env: { APP_ROLE: 'api' } });
    try {
      await api.get(DemoContentSeeder).ensureArticles(ITEMS);
      const type = (await api.get(ContentTypeRepository).findByDeveloperName('articles'))!;
      const store = api.get(TaskStore);
      const exportArticles = (fileName: string) =>
        api.get(BackgroundTaskQueue).enqueue(ExportContentItemsTask, {
          contentTypeId: type.id,
          orderBy: 'createdAt',
          direction: 'asc',
          fields: type.fields.map((field) => field.developerName),
          fileName,
        });
      const checkpointOf = async (id: string) =>
        (await store.findById(id))?.executionMetadata as ExportCheckpoint | null;

      // Interrupted: the worker process gets SIGTERM while the export is half way. It is frozen (SIGSTOP)
      // as soon as a checkpoint shows, so that the export cannot finish between that look and the SIGTERM
      // however the machine schedules the two processes; SIGTERM then waits for SIGCONT.
      const first = await ChildWorker.start(db.env);
      const interruptedId = await exportArticles('interrupted.csv');
      await eventually(async () => ((await checkpointOf(interruptedId))?.rows ?? 0) >= 5_000, 90_000, 50);
      first.process.kill('SIGSTOP');
      // Frozen half way: still running, its checkpoint short of the end.
      const frozen = await store.findById(interruptedId);
      expect(frozen).toMatchObject({ status: 'processing' });
      expect((frozen!.executionMetadata as ExportCheckpoint).rows).toBeLessThan(ITEMS);
      first.process.kill('SIGTERM');
      first.process.kill('SIGCONT');
      expect((await first.stop('SIGTERM')).signal).toBe('SIGTERM');
      const stopped = await store.findById(interruptedId);
      expect(stopped?.status).toBe('enqueued');
      const resumedFrom = (stopped?.executionMetadata as ExportCheckpoint).rows;
      expect(resumedFrom).toBeGreaterThan(0);
      expect(resumedFrom).toBeLessThan(ITEMS);

      // Resumed by a new process, and an uninterrupted export of the same items for comparison.
      const second = await ChildWorker.start(db.env);
      try {
        const uninterruptedId = await exportArticles('uninterrupted.csv');
        // Both together, within what the test's timeout leaves after the seeding, the boots and the first run.
        await eventually(
          async () =>
            (await store.findById(interruptedId))?.status === 'completed' &&
            (await store.findById(uninterruptedId))?.status === 'completed',
          150_000,
          50,
        );
        const files = api.get(TaskFiles);
        const interrupted = await readFile(join(files.directoryFor(interruptedId), 'interrupted.csv'));
        const uninterrupted = await readFile(join(files.directoryFor(uninterruptedId), 'uninterrupted.csv'));
        expect(interrupted.length).toBe(uninterrupted.length);
        expect(interrupted.equals(uninterrupted)).toBe(true);
        expect(await store.findById(interruptedId)).toMatchObject({
          attempts: 1,
          result: { rows: ITEMS, bytes: interrupted.length },
        });
      } finally {
        await second.stop();
      }
    } finally {
      await api.close();
    }
  }, 360_000); // 60,000 items seeded, two worker processes booted, two exports: minutes on a busy machine
});
