import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob, CronTime } from 'cron';
import { BackgroundTasksConfig } from '../background-tasks.config.js';
import { TaskRegistry, type RegisteredTask } from '../registry/task-registry.js';
import { BackgroundTaskQueue } from '../queue/background-task-queue.js';

/** A tick may fire a little after its slot; within this margin it still belongs to that slot. */
const TICK_LATENESS_MS = 500;

/**
 * Enqueues tasks declared with a `schedule` on their cron expression, in every worker process. Several
 * instances tick for the same slot; the idempotency key `schedule:<task>:<slot time>` makes the first
 * enqueue of a slot win and the others return its id, so each slot yields exactly one task.
 */
@Injectable()
export class RecurringTaskScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RecurringTaskScheduler.name);
  private readonly jobNames: string[] = [];

  constructor(
    private readonly registry: TaskRegistry,
    private readonly queue: BackgroundTaskQueue,
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
        onTick: () => void this.enqueueSlot(task, cronTime),
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

  /** The slot a tick belongs to: its nominal time by the cron expression, the same in every instance. */
  static slotOf(cronTime: CronTime, tickAt: Date): Date {
    return cronTime.getNextDateFrom(new Date(tickAt.getTime() - TICK_LATENESS_MS)).toJSDate();
  }

  private async enqueueSlot(task: RegisteredTask, cronTime: CronTime): Promise<void> {
    const slot = RecurringTaskScheduler.slotOf(cronTime, new Date());
    try {
      await this.queue.enqueue(task.executorClass, task.definition.schedule?.metadata, {
        idempotencyKey: `schedule:${task.name}:${slot.toISOString()}`,
      });
    } catch (error) {
      this.logger.error(`Could not enqueue ${task.name} for ${slot.toISOString()}: ${String(error)}`);
    }
  }
}
