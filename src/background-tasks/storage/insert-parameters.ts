import { toJson } from './ending-row.js';
import type { NewTaskRow } from './task-records.js';

/** The parameters of an insert, in the order the PostgreSQL and SQL Server insert statements take them. */
export function insertParameters(task: NewTaskRow): unknown[] {
  return [
    task.id,
    task.name,
    task.priority,
    task.runAfter,
    task.maxAttempts,
    task.createdBy,
    task.idempotencyKey,
    toJson(task.metadata),
    task.executionMetadata === undefined ? null : toJson(task.executionMetadata),
  ];
}

/**
 * Rows for a bulk insert as one JSON document. Metadata travels as JSON text inside it, so that every
 * engine stores exactly what `toJson` made of it, scalars included.
 */
export function bulkInsertDocument(tasks: readonly NewTaskRow[], time: (date: Date) => string): string {
  return JSON.stringify(
    tasks.map((task) => ({
      id: task.id,
      name: task.name,
      priority: task.priority,
      runAfter: task.runAfter === null ? null : time(task.runAfter),
      maxAttempts: task.maxAttempts,
      createdBy: task.createdBy,
      metadata: toJson(task.metadata),
      executionMetadata: task.executionMetadata === undefined ? null : toJson(task.executionMetadata),
    })),
  );
}
