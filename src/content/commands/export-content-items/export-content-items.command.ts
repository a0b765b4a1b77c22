import { Command } from '@nestjs/cqrs';
import type { ApiUser } from '../../../auth/index.js';

export class ExportContentItemsCommand extends Command<{ taskId: string }> {
  constructor(
    readonly contentType: string,
    readonly options: { search?: string; orderBy?: string; direction?: 'asc' | 'desc'; fields?: string[] },
    readonly requestedBy: ApiUser,
  ) {
    super();
  }
}
