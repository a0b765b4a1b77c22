import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { TaskStore } from '../../storage/task-store.js';
import { findVisibleTask } from '../../visible-task.js';
import { toBackgroundTaskView, type BackgroundTaskView } from '../background-task.view.js';
import { GetBackgroundTaskByIdQuery } from './get-background-task-by-id.query.js';

@QueryHandler(GetBackgroundTaskByIdQuery)
export class GetBackgroundTaskByIdHandler implements IQueryHandler<GetBackgroundTaskByIdQuery> {
  constructor(private readonly store: TaskStore) {}

  async execute({ id, viewer }: GetBackgroundTaskByIdQuery): Promise<BackgroundTaskView> {
    return toBackgroundTaskView(await findVisibleTask(this.store, id, viewer), viewer);
  }
}
