import type { NewTaskRow } from '../../src/background-tasks/model/task-records.js';
import type { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { uuidv7 } from '../../src/shared/uuid-v7.js';

/** A row for TaskStore.enqueue, as BackgroundTaskQueue builds one: due now, no creator, no key. */
export function newTaskRow(name: string, overrides: Partial<NewTaskRow> = {}): NewTaskRow {
  return {
    id: uuidv7(),
    name,
    metadataJson: '{}',
    executionMetadataJson: null,
    priority: 0,
    runAfter: null,
    maxAttempts: 3,
    createdBy: null,
    idempotencyKey: null,
    concurrencyKey: null,
    traceContext: null,
    ...overrides,
  };
}

/**
 * One bulk insert of tasks with these ids: every task shares its priority, its run-after time and (on SQL
 * Server) its created_at; one attempt each, no creator, no key.
 */
export function enqueueBatch(
  store: TaskStore,
  ids: string[],
  name: string,
  metadata = ids.map(() => '{}'),
): Promise<void> {
  return store.enqueueMany({
    name,
    priority: 0,
    runAfter: null,
    maxAttempts: 1,
    createdBy: null,
    concurrencyKey: null,
    traceContext: null,
    ids,
    metadata,
  });
}

/**
 * Stores `count` tasks of `name` and ends each as `end` (or leaves them enqueued), through the store's own
 * statements, in batches of 500: as a worker would have, without running a handler. Use a name no worker
 * of the test runs, so that nothing but the test changes them. Returns their ids in creation order.
 */
export async function storedTasks(
  store: TaskStore,
  name: string,
  count: number,
  end?: 'failed' | 'completed',
): Promise<string[]> {
  const all: string[] = [];
  for (let start = 0; start < count; start += 500) {
    const ids = Array.from({ length: Math.min(500, count - start) }, () => uuidv7());
    await enqueueBatch(store, ids, name);
    all.push(...ids);
    if (!end) continue;
    const owner = `stored-${end}-${start}`;
    const claimed = await store.claim({
      leaseOwner: owner,
      limit: ids.length,
      leaseDurationMs: 60_000,
      names: [name],
    });
    const errorJson = '{"code":"BROKEN","message":"failed on purpose"}';
    await store.finish(
      claimed.map((task) => ({
        id: task.id,
        leaseOwner: owner,
        attempt: 1,
        progress: { step: 1, info: end, percent: 100 },
        ending:
          end === 'failed'
            ? {
                kind: 'failed' as const,
                errorJson,
                attemptErrorJson: `{"attempt":1,"at":"${new Date().toISOString()}","error":${errorJson}}`,
              }
            : { kind: 'completed' as const, resultJson: '{}' },
      })),
    );
  }
  return all;
}
