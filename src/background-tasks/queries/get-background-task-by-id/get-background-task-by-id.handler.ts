import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { BackgroundTaskNotFoundError } from '../../background-task.errors.js';
import { TaskStore } from '../../storage/task-store.js';
import { canSeeTask, toBackgroundTaskView, type BackgroundTaskView } from '../background-task.view.js';
import { GetBackgroundTaskByIdQuery } from './get-background-task-by-id.query.js';

@QueryHandler(GetBackgroundTaskByIdQuery)
export class GetBackgroundTaskByIdHandler implements IQueryHandler<GetBackgroundTaskByIdQuery> {
  constructor(private readonly store: TaskStore) {}

  async execute({ id, viewer }: GetBackgroundTaskByIdQuery): Promise<BackgroundTaskView> {
    const record = await this.store.findById(id);
    if (!record || !canSeeTask(record, viewer)) throw new BackgroundTaskNotFoundError(id);
    return toBackgroundTaskView(record, viewer);
  }
}
