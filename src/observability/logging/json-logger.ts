import { ConsoleLogger, type LogLevel } from '@nestjs/common';

/**
 * One JSON object per line (`{ level, pid, timestamp, context, message, … }`, Nest's JSON format), with
 * the fields a caller gives beside its message written at the top level: a line about a task carries
 * `taskId` and `taskName` (taskLogFields), so that a log store can follow one task across processes and
 * attempts.
 */
export class JsonLogger extends ConsoleLogger {
  constructor(options: { logLevels?: LogLevel[] } = {}) {
    super({ json: true, flattenParams: true, ...options });
  }
}
