import { readFile } from 'node:fs/promises';
import pg from 'pg';
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

  /**
   * On PostgreSQL a COPY export can write its 60,000 rows between two looks of a poll, so the freeze is
   * made certain with locks instead: content_items is locked while the task is claimed (its COPY waits),
   * then the task's row, so that its checkpoints wait too; the worker is frozen while one waits, and the
   * row is let go so that it lands, until one records rows written. Returns the task's id.
   */
  async function frozenAtFirstCheckpoint(worker: ChildWorker, start: () => Promise<string>): Promise<string> {
    const tableLock = new pg.Client({ connectionString: db.env.DATABASE_URL });
    const rowLock = new pg.Client({ connectionString: db.env.DATABASE_URL });
    await Promise.all([tableLock.connect(), rowLock.connect()]);
    try {
      await tableLock.query('BEGIN');
      await tableLock.query(`LOCK TABLE ${db.table('content_items')} IN ACCESS EXCLUSIVE MODE`);
      const id = await start();
      await eventually(
        async () =>
          (
            await db.sql(
              `SELECT 1 FROM ${db.table('background_tasks')} WHERE id = ? AND status = 'processing'`,
              [id],
            )
          ).length === 1,
        90_000,
        20,
      );
      const lockRow = async () => {
        await rowLock.query('BEGIN');
        await rowLock.query(`SELECT id FROM ${db.table('background_tasks')} WHERE id = $1 FOR UPDATE`, [id]);
      };
      await lockRow();
      await tableLock.query('COMMIT');
      // The first checkpoint (rows 0, before any row is written) and each after it: wait for it, freeze,
      // let it land; until one records rows written.
      for (;;) {
        await eventually(async () => (await waitingCheckpoints()) > 0, 90_000, 20);
        worker.process.kill('SIGSTOP');
        await rowLock.query('COMMIT');
        await eventually(async () => (await waitingCheckpoints()) === 0, 30_000, 20);
        if (((await checkpointOf(id))?.rows ?? 0) > 0) break;
        await lockRow();
        worker.process.kill('SIGCONT');
      }
      return id;
    } finally {
      await Promise.all([tableLock.end(), rowLock.end()]);
    }
  }

  /** The worker's checkpoint writes waiting for the locked row (its progress and lease writes may wait too). */
  const waitingCheckpoints = async () =>
    (
      await db.sql(
        `SELECT 1 FROM pg_stat_activity WHERE application_name = ? AND wait_event_type = 'Lock' AND query LIKE ?`,
        [`app:${db.env.SchemaName}`, '%SET execution_metadata = $3::jsonb%'],
      )
    ).length;

  const checkpointOf = async (id: string) =>
    (
      await db.sql<{ execution_metadata: unknown }>(
        `SELECT execution_metadata FROM ${db.table('background_tasks')} WHERE id = ?`,
        [id],
      )
    ).map(
      ({ execution_metadata }) =>
        (typeof execution_metadata === 'string'
          ? JSON.parse(execution_metadata)
          : execution_metadata) as ExportCheckpoint | null,
    )[0];

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

      // Interrupted: the worker process gets SIGTERM while the export is half way. It is frozen (SIGSTOP)
      // once a checkpoint is stored, so that the export cannot finish between that look and the SIGTERM
      // however the machine schedules the two processes; SIGTERM then waits for SIGCONT.
      const first = await ChildWorker.start(db.env);
      const interruptedId =
        engine === 'postgres'
          ? await frozenAtFirstCheckpoint(first, () => exportArticles('interrupted.csv'))
          : await exportArticles('interrupted.csv');
      if (engine !== 'postgres') {
        // Paged in JavaScript, this export takes seconds: a look every 50 ms catches it half way.
        await eventually(async () => ((await checkpointOf(interruptedId))?.rows ?? 0) >= 5_000, 90_000, 50);
        first.process.kill('SIGSTOP');
      }
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
