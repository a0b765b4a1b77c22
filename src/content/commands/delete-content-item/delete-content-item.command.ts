import { Command } from '@nestjs/cqrs';

export class DeleteContentItemCommand extends Command<void> {
  constructor(readonly id: string) {
    super();
  }
}
