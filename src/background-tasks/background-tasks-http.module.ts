import { Module } from '@nestjs/common';
import { CancelBackgroundTaskHttpController } from './commands/cancel-background-task/cancel-background-task.http.controller.js';
import { ResumeBackgroundTaskHttpController } from './commands/resume-background-task/resume-background-task.http.controller.js';
import { RetryBackgroundTaskHttpController } from './commands/retry-background-task/retry-background-task.http.controller.js';
import { GetBackgroundTaskByIdHttpController } from './queries/get-background-task-by-id/get-background-task-by-id.http.controller.js';
import { GetBackgroundTaskFileHttpController } from './queries/get-background-task-file/get-background-task-file.http.controller.js';
import { ListBackgroundTasksHttpController } from './queries/list-background-tasks/list-background-tasks.http.controller.js';

const controllers = [
  ListBackgroundTasksHttpController,
  GetBackgroundTaskByIdHttpController,
  GetBackgroundTaskFileHttpController,
  CancelBackgroundTaskHttpController,
  ResumeBackgroundTaskHttpController,
  RetryBackgroundTaskHttpController,
];

/** The /api/background-tasks routes; left out of processes with APP_ROLE=worker. */
@Module({ controllers })
export class BackgroundTasksHttpModule {}
