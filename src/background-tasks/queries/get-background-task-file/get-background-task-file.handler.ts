import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { BackgroundTaskFileNotFoundError, BackgroundTaskStateError } from '../../background-task.errors.js';
import { TaskFiles } from '../../files/task-files.js';
import { TaskStore } from '../../storage/task-store.js';
import { findVisibleTask } from '../../visible-task.js';
import { GetBackgroundTaskFileQuery, type BackgroundTaskFile } from './get-background-task-file.query.js';

/** A bare file name as tasks write them: no directory part, nothing a path could be smuggled through. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

@QueryHandler(GetBackgroundTaskFileQuery)
export class GetBackgroundTaskFileHandler implements IQueryHandler<GetBackgroundTaskFileQuery> {
  constructor(
    private readonly store: TaskStore,
    private readonly files: TaskFiles,
  ) {}

  /** The path is built from the task's id and the name its own result gives; nothing comes from the client. */
  async execute({ id, viewer }: GetBackgroundTaskFileQuery): Promise<BackgroundTaskFile> {
    const task = await findVisibleTask(this.store, id, viewer);
    if (task.status !== 'completed')
      throw new BackgroundTaskStateError(id, task.status, 'downloaded', ['completed']);
    const fileName = (task.result as { fileName?: unknown } | null)?.fileName;
    if (typeof fileName !== 'string' || !FILE_NAME.test(fileName))
      throw new BackgroundTaskFileNotFoundError(id);
    const path = join(this.files.directoryFor(id), fileName);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new BackgroundTaskFileNotFoundError(id);
    return { path, fileName, size: info.size };
  }
}
