import { randomBytes } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DatabaseConfig } from '../../database/database-config.js';
import { PostgresNotificationConnection } from '../../database/postgres-notification-connection.js';
import { notificationChannel } from '../storage/postgres/postgres-statements.js';
import { ALL_TASKS, decodeTaskChanges, encodeTaskChanges, taskChangeChannel } from './task-change-channel.js';
import { changedTaskIds, TaskEvents } from './task-events.js';

/** Changes are gathered this long, so that a busy worker sends one notification per batch, not per write. */
const BATCH_MS = 50;

export type RemoteChangeListener = (ids: readonly string[] | typeof ALL_TASKS) => void;

/**
 * What processes sharing a PostgreSQL database tell each other, over the process's one notification
 * connection (PostgresNotificationConnection, with its one reconnect policy):
 *
 * - new tasks: the queue's statements NOTIFY when they make a task claimable; `onNewTasks` wakes a worker
 *   within milliseconds instead of at its next poll;
 * - task changes: every task event of this process (TaskEvents) is relayed, its ids gathered for 50 ms
 *   and sent with pg_notify; `onRemoteChanges` hears other processes' (its own are skipped by origin), so
 *   that live views re-read those tasks within ~100 ms.
 *
 * On other engines, and behind a transaction pooler without DATABASE_LISTEN_URL, it does nothing: workers
 * and live views poll. Losing a notification (the connection dropped) only delays them to their next poll,
 * and after a reconnect listeners are told to assume anything changed.
 */
@Injectable()
export class PostgresTaskChannels implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PostgresTaskChannels.name);
  /** Marks this process's notifications, which its own listeners skip. */
  readonly origin = randomBytes(4).toString('hex');
  private readonly connection: PostgresNotificationConnection | undefined;
  private readonly newTasksChannel: string;
  private readonly changesChannel: string;
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private failing = false;

  constructor(
    private readonly database: DatabaseConfig,
    private readonly events: TaskEvents,
  ) {
    this.newTasksChannel = notificationChannel(database.schema as string);
    this.changesChannel = taskChangeChannel(database.schema as string);
    const url = database.notificationUrl;
    if (url) {
      this.connection = new PostgresNotificationConnection(
        url,
        `background-tasks:${database.schema}`,
        this.logger,
      );
    }
  }

  /** True while other processes' changes arrive (PostgreSQL, connection up): live views need not poll. */
  get receivesRemoteChanges(): boolean {
    return this.connection?.connected ?? false;
  }

  /** Calls `listener` when another process makes a task claimable, and once each time listening starts. */
  async onNewTasks(listener: () => void): Promise<() => void> {
    if (!this.connection) return () => undefined;
    return this.connection.listen(this.newTasksChannel, {
      onNotification: () => listener(),
      onListening: () => listener(),
    });
  }

  /** Calls `listener` with the ids of tasks other processes changed, or `*` when they are not known. */
  async onRemoteChanges(listener: RemoteChangeListener): Promise<() => void> {
    if (!this.connection) return () => undefined;
    return this.connection.listen(this.changesChannel, {
      onNotification: (payload) => {
        const decoded = payload === undefined ? undefined : decodeTaskChanges(payload);
        if (decoded && decoded.origin !== this.origin) listener(decoded.ids);
      },
      onListening: (reconnected) => {
        if (reconnected) listener(ALL_TASKS);
      },
    });
  }

  onApplicationBootstrap(): void {
    if (!this.connection) {
      if (this.database.engine === 'postgres') {
        this.logger.log(
          'DATABASE_POOLING=transaction and no DATABASE_LISTEN_URL: no LISTEN through the pooler, so ' +
            'workers find other processes’ tasks at their next poll (PollingDelay) and live views poll',
        );
      }
      return;
    }
    this.unsubscribe = this.events.subscribe((event) => {
      const ids = changedTaskIds(event);
      if (ids.length === 0) return;
      for (const id of ids) this.pending.add(id);
      this.timer ??= setTimeout(() => void this.flush(), BATCH_MS);
    });
  }

  /** After the worker stopped (its last endings are emitted by then): sends what is left, then closes. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.connection) return;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    await this.sending;
    if (this.pending.size > 0) await this.flush();
    await this.connection.stop();
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    if (this.sending) {
      // One send at a time; what arrived meanwhile goes in the next batch.
      this.timer = setTimeout(() => void this.flush(), BATCH_MS);
      return;
    }
    const ids = [...this.pending];
    this.pending = new Set();
    if (ids.length === 0) return;
    this.sending = this.send(encodeTaskChanges(this.origin, ids)).finally(() => (this.sending = undefined));
    await this.sending;
  }

  private async send(payloads: string[]): Promise<void> {
    try {
      await this.connection!.notify(this.changesChannel, payloads);
      if (this.failing) this.logger.log('Sending task changes to other processes again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) {
        this.logger.warn(
          `Could not send task changes to other processes (${String(error)}); their live views will poll`,
        );
      }
      this.failing = true;
    }
  }
}
