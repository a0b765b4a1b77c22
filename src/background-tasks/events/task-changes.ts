import { Injectable } from '@nestjs/common';

/** Ids of tasks whose row just changed in this process (enqueued, claimed, progress, ended, cancelled, …). */
export type TaskChangeListener = (taskIds: readonly string[]) => void;

/**
 * The in-process feed of task changes: every write this process makes about a task announces the task's
 * id here once it is stored. Listeners (live views, metrics) read the rows they care about themselves, so
 * the feed carries ids only and a slow listener cannot hold a worker up: listeners are called
 * synchronously and must not throw or block.
 */
@Injectable()
export class TaskChanges {
  private readonly listeners = new Set<TaskChangeListener>();

  /** Starts listening; call the returned function to stop. */
  subscribe(listener: TaskChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(taskIds: readonly string[]): void {
    if (taskIds.length === 0 || this.listeners.size === 0) return;
    for (const listener of this.listeners) listener(taskIds);
  }
}
