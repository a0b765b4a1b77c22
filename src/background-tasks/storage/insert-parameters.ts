import type { NewTaskBatch, NewTaskRow } from '../model/task-records.js';

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
    task.metadataJson,
    task.executionMetadataJson,
    task.concurrencyKey,
    task.traceContext,
  ];
}

/**
 * A batch's tasks as one JSON document of `[id, metadata]` pairs, for the engines that read a bulk insert
 * from JSON (SQLite's json_each, SQL Server's OPENJSON). Metadata travels as JSON text inside it, so that
 * the engine stores exactly what `toJson` made of it, scalars included.
 */
export function idAndMetadataPairs(batch: NewTaskBatch): string {
  return JSON.stringify(batch.ids.map((id, index) => [id, batch.metadata[index]]));
}
