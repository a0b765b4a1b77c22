import { ConsoleLogger, type LogLevel } from '@nestjs/common';

/** How every line about one task starts: `Task <id> (<name>) …` (TaskRun, the worker, the lifecycle log). */
const TASK_LINE = /^Task ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) \(([^()\s]+)\)/;

type JsonLogOptions = Parameters<ConsoleLogger['getJsonLogObject']>[1];

/**
 * One JSON object per line (`{ level, pid, timestamp, context, message, … }`, Nest's JSON format), plus
 * `taskId` and `taskName` on every line about a task, so that a log store can follow one task across
 * processes and attempts. The texts stay as they were written.
 */
export class JsonLogger extends ConsoleLogger {
  constructor(options: { logLevels?: LogLevel[] } = {}) {
    super({ json: true, ...options });
  }

  protected override getJsonLogObject(message: unknown, options: JsonLogOptions) {
    const object = super.getJsonLogObject(message, options);
    const match = typeof message === 'string' ? TASK_LINE.exec(message) : null;
    return match ? { ...object, taskId: match[1], taskName: match[2] } : object;
  }
}
