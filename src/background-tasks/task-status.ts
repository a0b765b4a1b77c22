/**
 * `enqueued → processing → completed | failed | cancelled`, `processing → suspended → enqueued` (resume),
 * `processing → enqueued` (retry after a delay, interrupted by shutdown, or lease expired after a crash).
 */
export const TASK_STATUSES = [
  'enqueued',
  'processing',
  'suspended',
  'completed',
  'failed',
  'cancelled',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const FINAL_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];

export function isFinalStatus(status: TaskStatus): boolean {
  return FINAL_STATUSES.includes(status);
}
