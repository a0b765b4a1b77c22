import type { NewTaskRow } from '../../src/background-tasks/model/task-records.js';
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
    ...overrides,
  };
}
