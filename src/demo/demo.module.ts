import { Module } from '@nestjs/common';
import { BackgroundTasksModule } from '../background-tasks/index.js';
import { StartDemoTaskHandler } from './commands/start-demo-task/start-demo-task.handler.js';
import { CountdownTask } from './countdown.task.js';

const commandHandlers = [StartDemoTaskHandler];
const tasks = [CountdownTask];

@Module({
  imports: [BackgroundTasksModule],
  providers: [...commandHandlers, ...tasks],
})
export class DemoModule {}
