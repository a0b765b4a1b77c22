/**
 * The application measured by live-views.ts, in a process of its own so that its CPU time is the server's
 * alone: the real AppModule over HTTP (APP_ROLE=all) with one task of the benchmark's. It answers the
 * driver over IPC: `ready` with its port, `cpu` with process.cpuUsage(), `enqueue` with a task id.
 */
import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../src/app.module.js';
import {
  BackgroundTask,
  BackgroundTaskQueue,
  TaskOutcome,
  type BackgroundTaskContext,
  type BackgroundTaskExecutor,
} from '../../src/background-tasks/index.js';
import { loadAppConfig } from '../../src/config/app-config.js';
import { runMigrations } from '../../src/database/migrator.js';
import { configureHttpApp } from '../../src/http-app.js';

interface StepsPayload {
  readonly steps: number;
  readonly pauseMs: number;
}

/** Reports a new step `steps` times, `pauseMs` apart: a step change is written at once, so one write each. */
@BackgroundTask('bench.steps')
export class StepsBenchTask implements BackgroundTaskExecutor<StepsPayload, void, { steps: number }> {
  async execute({ metadata, progress }: BackgroundTaskContext<StepsPayload>) {
    for (let step = 1; step <= metadata.steps; step++) {
      progress({ step, info: `Step ${step} of ${metadata.steps}`, percent: (step / metadata.steps) * 100 });
      await sleep(metadata.pauseMs);
    }
    return TaskOutcome.success({ steps: metadata.steps });
  }
}

@Module({ providers: [StepsBenchTask] })
class LiveViewsBenchModule {}

type Request =
  | { readonly id: number; readonly kind: 'cpu' }
  | {
      readonly id: number;
      readonly kind: 'enqueue';
      readonly payload: StepsPayload;
      readonly createdBy: string;
    };

const config = loadAppConfig(process.env);
mkdirSync(config.files.dataDir, { recursive: true });
await runMigrations(config.database);
const app = await NestFactory.create(
  { module: class LiveViewsBenchApp {}, imports: [AppModule.forRoot(config), LiveViewsBenchModule] },
  { logger: ['error', 'warn'] },
);
configureHttpApp(app);
await app.listen(0, '127.0.0.1');
const address = (app.getHttpServer() as Server).address() as AddressInfo;
const queue = app.get(BackgroundTaskQueue);

process.on('message', (request: Request) => {
  void (async () => {
    if (request.kind === 'cpu') {
      process.send!({ id: request.id, cpu: process.cpuUsage() });
    } else {
      const taskId = await queue.enqueue(StepsBenchTask, request.payload, { createdBy: request.createdBy });
      process.send!({ id: request.id, taskId });
    }
  })();
});
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
process.send!({ ready: true, port: address.port });
