import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DatabaseConfig } from '../../database/database-config.js';
import { PostgresTaskChangeListener } from './postgres-task-change-listener.js';
import { PostgresTaskChangeRelay } from './postgres-task-change-relay.js';
import { ALL_TASKS } from './task-change-channel.js';
import { TaskChanges } from './task-changes.js';

/** Ids of tasks that changed, or `*`: "too many to list, re-read whatever you show". */
export type LiveChange = readonly string[] | typeof ALL_TASKS;
export type LiveChangeListener = (change: LiveChange) => void;

/**
 * Every task change a live view in this process should react to: this process's own writes (TaskChanges,
 * at once) and, on PostgreSQL, other processes' (through their relays' NOTIFY, within ~100 ms). Where no
 * push from other processes is available (SQLite, SQL Server, or the listener is reconnecting),
 * `pushesRemoteChanges` is false and views poll.
 */
@Injectable()
export class LiveTaskChanges implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly listeners = new Set<LiveChangeListener>();
  private remote: PostgresTaskChangeListener | undefined;
  private unsubscribeLocal: (() => void) | undefined;

  constructor(
    private readonly database: DatabaseConfig,
    private readonly changes: TaskChanges,
    private readonly relay: PostgresTaskChangeRelay,
  ) {}

  get pushesRemoteChanges(): boolean {
    return this.remote?.connected ?? false;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribeLocal = this.changes.subscribe((ids) => this.emit(ids));
    if (this.database.engine === 'postgres') {
      this.remote = new PostgresTaskChangeListener(this.database, this.relay.origin, (change) =>
        this.emit(change),
      );
      await this.remote.start();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribeLocal?.();
    await this.remote?.stop();
  }

  subscribe(listener: LiveChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: LiveChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
