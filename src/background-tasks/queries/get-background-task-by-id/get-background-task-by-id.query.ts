import { Query } from '@nestjs/cqrs';
import type { ApiUser } from '../../../shared/identity/index.js';
import type { BackgroundTaskView } from '../background-task.view.js';

export class GetBackgroundTaskByIdQuery extends Query<BackgroundTaskView> {
  constructor(
    readonly id: string,
    readonly viewer: ApiUser,
  ) {
    super();
  }
}
