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
