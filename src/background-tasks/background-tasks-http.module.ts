import { Module } from '@nestjs/common';
import { GetBackgroundTaskByIdHttpController } from './queries/get-background-task-by-id/get-background-task-by-id.http.controller.js';

const controllers = [GetBackgroundTaskByIdHttpController];

/** The /api/background-tasks routes; left out of processes with APP_ROLE=worker. */
@Module({ controllers })
export class BackgroundTasksHttpModule {}
