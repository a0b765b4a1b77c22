import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { BackgroundTaskQueue } from '../../../background-tasks/index.js';
import { CountdownTask } from '../../countdown.task.js';
import { StartDemoTaskCommand } from './start-demo-task.command.js';

@CommandHandler(StartDemoTaskCommand)
export class StartDemoTaskHandler implements ICommandHandler<StartDemoTaskCommand> {
  constructor(private readonly queue: BackgroundTaskQueue) {}

  async execute({ steps, stepMs, requestedBy }: StartDemoTaskCommand): Promise<{ taskId: string }> {
    const taskId = await this.queue.enqueue(CountdownTask, { steps, stepMs }, { createdBy: requestedBy });
    return { taskId };
  }
}
