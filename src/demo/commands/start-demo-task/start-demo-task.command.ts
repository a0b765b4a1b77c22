import { Command } from '@nestjs/cqrs';

export class StartDemoTaskCommand extends Command<{ taskId: string }> {
  constructor(
    readonly steps: number,
    readonly stepMs: number,
    readonly requestedBy: string,
  ) {
    super();
  }
}
