import { Command } from '@nestjs/cqrs';
import type { ApiUser } from '../../../auth/index.js';
import type { ImportMode } from '../../tasks/import-content-items.task.js';

export class ImportContentItemsCommand extends Command<{ taskId: string }> {
  constructor(
    readonly contentType: string,
    readonly mode: ImportMode,
    /** The uploaded file, as stored by the server (the client chose none of this path). */
    readonly upload: { readonly path: string; readonly originalName: string },
    readonly requestedBy: ApiUser,
  ) {
    super();
  }
}
