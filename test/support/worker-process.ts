/**
 * A worker in its own OS process, for tests that need several processes on one database. It runs the real
 * application (APP_ROLE=worker) with the test tasks (and the flow-controlled ones with TEST_FLOW_TASKS=1),
 * configured from its environment, and says "ready" on stdout once its loop runs. SIGTERM shuts it down
 * gracefully, SIGKILL does not.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../src/app.module.js';
import { loadAppConfig } from '../../src/config/app-config.js';
import { FlowTestTasksModule } from './flow-test-tasks.js';
import { TestTasksModule } from './test-tasks.js';

const config = loadAppConfig({ ...process.env, APP_ROLE: 'worker' });
const app = await NestFactory.createApplicationContext(
  {
    module: class WorkerProcessModule {},
    imports: [
      AppModule.forRoot(config),
      TestTasksModule,
      ...(process.env.TEST_FLOW_TASKS ? [FlowTestTasksModule] : []),
    ],
  },
  { logger: process.env.TEST_LOGS ? undefined : ['error'] },
);
app.enableShutdownHooks();
await app.init();
process.stdout.write('ready\n');
