import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Injectable } from '@nestjs/common';
import { FilesConfig } from '../../shared/files.config.js';

const TASK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The files a task produces or consumes (an export's CSV, an import's upload and error report) live in a
 * directory of their own, `DATA_DIR/task-files/<task id>/`, so that they go with the task: retention deletes
 * the directory with the row. Paths are built here from task ids only, never from anything a client sent.
 */
@Injectable()
export class TaskFiles {
  readonly root: string;

  constructor(config: FilesConfig) {
    this.root = resolve(config.dataDir, 'task-files');
  }

  directoryFor(taskId: string): string {
    if (!TASK_ID.test(taskId)) throw new Error(`Not a task id: ${taskId}`);
    return join(this.root, taskId);
  }

  /** The task's directory, created if missing. */
  async ensureDirectory(taskId: string): Promise<string> {
    const directory = this.directoryFor(taskId);
    await mkdir(directory, { recursive: true });
    return directory;
  }

  async remove(taskId: string): Promise<void> {
    await rm(this.directoryFor(taskId), { recursive: true, force: true });
  }

  /** Task directories last changed before the given time (candidates for an orphan check). */
  async directoriesChangedBefore(time: Date): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return [];
    }
    const old: string[] = [];
    for (const name of names.filter((n) => TASK_ID.test(n))) {
      const info = await stat(join(this.root, name)).catch(() => undefined);
      if (info && info.mtime < time) old.push(name);
    }
    return old;
  }
}
