/**
 * The fields every log line about one task carries, given to the logger beside the message
 * (`logger.warn(text, taskLogFields(task))`): Nest's JSON logger writes them as `taskId` and `taskName`, so
 * that a log store can follow one task across processes and attempts; the text logger appends them.
 */
export function taskLogFields(task: { readonly id: string; readonly name: string }): {
  taskId: string;
  taskName: string;
} {
  return { taskId: task.id, taskName: task.name };
}
