import { Module } from '@nestjs/common';
import { StartDemoTaskHttpController } from './commands/start-demo-task/start-demo-task.http.controller.js';

const controllers = [StartDemoTaskHttpController];

@Module({ controllers })
export class DemoHttpModule {}
