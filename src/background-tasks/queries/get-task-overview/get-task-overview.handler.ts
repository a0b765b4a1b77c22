import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { isAdmin } from '../../../shared/identity/index.js';
import { OperatorOnlyError } from '../../background-task.errors.js';
import { TaskStore } from '../../storage/task-store.js';
import { countWorkerStates } from '../list-workers/worker.view.js';
import { GetTaskOverviewQuery } from './get-task-overview.query.js';
import { overviewSince, toTaskOverviewView, type TaskOverviewView } from './task-overview.view.js';

@QueryHandler(GetTaskOverviewQuery)
export class GetTaskOverviewHandler implements IQueryHandler<GetTaskOverviewQuery> {
  constructor(private readonly store: TaskStore) {}

  async execute({ requestedBy }: GetTaskOverviewQuery): Promise<TaskOverviewView> {
    if (!isAdmin(requestedBy)) throw new OperatorOnlyError('see the overview of every task');
    const now = new Date();
    const [counts, endings, oldestDue, workers] = await Promise.all([
      this.store.countsByName(),
      this.store.endingsPerMinute(overviewSince(now)),
      this.store.oldestDue(now),
      this.store.workers(),
    ]);
    return toTaskOverviewView(now, counts, endings, oldestDue, countWorkerStates(workers));
  }
}
