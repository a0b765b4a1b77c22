import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { isAdmin } from '../../../shared/identity/index.js';
import { OperatorOnlyError } from '../../background-task.errors.js';
import { TaskRegistry } from '../../registry/task-registry.js';
import { RecurringTaskScheduler, slotOfScheduleKey } from '../../scheduling/recurring-task-scheduler.js';
import { TaskStore } from '../../storage/task-store.js';
import { ListRecurringTasksQuery } from './list-recurring-tasks.query.js';
import type { RecurringTaskListView, RecurringTaskView } from './recurring-task.view.js';

@QueryHandler(ListRecurringTasksQuery)
export class ListRecurringTasksHandler implements IQueryHandler<ListRecurringTasksQuery> {
  constructor(
    private readonly store: TaskStore,
    private readonly registry: TaskRegistry,
  ) {}

  async execute({ requestedBy }: ListRecurringTasksQuery): Promise<RecurringTaskListView> {
    if (!isAdmin(requestedBy)) throw new OperatorOnlyError('see the recurring tasks');
    const now = new Date();
    const scheduled = this.registry
      .all()
      .filter((task) => task.definition.schedule !== undefined)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    // One read of the pauses for all; the newest task of each name is one probe of the list's index.
    const pausedNames = new Set(
      (await this.store.queueStates()).filter((queue) => queue.paused).map((queue) => queue.name),
    );
    const items = await Promise.all(
      scheduled.map(async ({ name, definition }): Promise<RecurringTaskView> => {
        const { cron, timeZone } = definition.schedule!;
        const [newest] = await this.store.list({ name, limit: 1 });
        return {
          name,
          cron,
          timeZone: timeZone ?? null,
          nextSlot: RecurringTaskScheduler.nextSlot(cron, now, timeZone).toISOString(),
          lastRun: newest
            ? {
                id: newest.id,
                status: newest.status,
                slot: slotOfScheduleKey(name, newest.idempotencyKey),
                createdAt: newest.createdAt.toISOString(),
                completedAt: newest.completedAt?.toISOString() ?? null,
              }
            : null,
          paused: pausedNames.has(name),
        };
      }),
    );
    return { items };
  }
}
