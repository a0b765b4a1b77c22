import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob, CronTime } from 'cron';
import { BackgroundTasksConfig } from '../background-tasks.config.js';
import { TaskRegistry, type RegisteredTask } from '../registry/task-registry.js';
import { BackgroundTaskQueue } from '../queue/background-task-queue.js';
import { TaskStore } from '../storage/task-store.js';

/** The idempotency key of a slot's task: the first enqueue of a slot wins, in whichever instance. */
export function scheduleKeyOf(name: string, slot: Date): string {
  return `schedule:${name}:${slot.toISOString()}`;
}

/** The slot in a key made by scheduleKeyOf, as ISO text; null for any other key (a "run now" has none). */
export function slotOfScheduleKey(name: string, idempotencyKey: string | null): string | null {
  const prefix = `schedule:${name}:`;
  return idempotencyKey?.startsWith(prefix) ? idempotencyKey.slice(prefix.length) : null;
}

/** A tick may fire a little after its slot; within this margin it still belongs to that slot. */
const TICK_LATENESS_MS = 500;

/**
 * Enqueues tasks declared with a `schedule` on their cron expression, in every worker process. Several
 * instances tick for the same slot; the idempotency key `schedule:<task>:<slot time>` makes the first
 * enqueue of a slot win and the others return its id, so each slot yields exactly one task. The slots of
 * a paused task name (POST /api/task-queues/:name/pause) are skipped.
 */
@Injectable()
export class RecurringTaskScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RecurringTaskScheduler.name);
  private readonly jobNames: string[] = [];

  constructor(
    private readonly registry: TaskRegistry,
    private readonly queue: BackgroundTaskQueue,
    private readonly store: TaskStore,
    private readonly config: BackgroundTasksConfig,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.runsWorker) return;
    for (const task of this.registry.all()) {
      const schedule = task.definition.schedule;
      if (!schedule) continue;
      const cronTime = new CronTime(schedule.cron, schedule.timeZone);
      const job = CronJob.from({
        cronTime: schedule.cron,
        timeZone: schedule.timeZone,
        onTick: () => void this.enqueueSlot(task, cronTime, schedule.timeZone),
        start: true,
      });
      const name = `background-tasks:schedule:${task.name}`;
      this.scheduler.addCronJob(name, job);
      this.jobNames.push(name);
      this.logger.log(`Task ${task.name} is enqueued on the schedule "${schedule.cron}"`);
    }
  }

  onApplicationShutdown(): void {
    for (const name of this.jobNames) this.scheduler.deleteCronJob(name);
    this.jobNames.length = 0;
  }

  /**
   * The slot a tick belongs to: its nominal time by the cron expression in the schedule's time zone, the
   * same in every instance. (CronTime.getNextDateFrom reads the expression in UTC unless given the zone.)
   */
  static slotOf(cronTime: CronTime, tickAt: Date, timeZone?: string): Date {
    return cronTime.getNextDateFrom(new Date(tickAt.getTime() - TICK_LATENESS_MS), timeZone).toJSDate();
  }

  /** The next slot after `now`, as the scheduler will enqueue it. */
  static nextSlot(cron: string, now: Date, timeZone?: string): Date {
    return new CronTime(cron, timeZone).getNextDateFrom(now, timeZone).toJSDate();
  }

  private async enqueueSlot(task: RegisteredTask, cronTime: CronTime, timeZone?: string): Promise<void> {
    const slot = RecurringTaskScheduler.slotOf(cronTime, new Date(), timeZone);
    try {
      // A paused name's slots are skipped, not queued up to run all at once when it is resumed.
      const [queue] = await this.store.queueStates(task.name);
      if (queue?.paused) {
        this.logger.log(`Skipped the slot ${slot.toISOString()} of ${task.name}: it is paused`);
        return;
      }
      await this.queue.enqueue(task.executorClass, task.definition.schedule?.metadata, {
        idempotencyKey: scheduleKeyOf(task.name, slot),
      });
    } catch (error) {
      this.logger.error(`Could not enqueue ${task.name} for ${slot.toISOString()}: ${String(error)}`);
    }
  }
}
