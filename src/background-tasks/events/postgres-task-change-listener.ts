import { Logger } from '@nestjs/common';
import type { DatabaseConfig } from '../../database/database-config.js';
import { PostgresListenConnection } from '../../database/postgres-listen-connection.js';
import { postgresUrl } from './postgres-task-change-relay.js';
import { ALL_TASKS, decodeTaskChanges, taskChangeChannel } from './task-change-channel.js';

export type RemoteChangeListener = (ids: readonly string[] | typeof ALL_TASKS) => void;

/**
 * LISTENs, on a connection of its own, for the task changes other processes' relays send, and passes them
 * on, skipping this process's own. While it is disconnected nothing arrives, so `connected` turns false and
 * live views poll; after a reconnect it reports `*` once, since what was sent meanwhile is lost.
 */
export class PostgresTaskChangeListener {
  private readonly logger = new Logger(PostgresTaskChangeListener.name);
  private readonly connection: PostgresListenConnection;

  constructor(database: DatabaseConfig, ownOrigin: string, onChanges: RemoteChangeListener) {
    this.connection = new PostgresListenConnection({
      connectionString: postgresUrl(database),
      applicationName: `task-changes-listener:${database.schema}`,
      channel: taskChangeChannel(database.schema as string),
      onNotification: (payload) => {
        const decoded = payload === undefined ? undefined : decodeTaskChanges(payload);
        if (decoded && decoded.origin !== ownOrigin) onChanges(decoded.ids);
      },
      onListening: (reconnected) => {
        if (!reconnected) return;
        this.logger.log('Receiving task changes from other processes again');
        onChanges(ALL_TASKS);
      },
      lostMessage: (reason) =>
        `Task change listener lost its connection (${reason}); live views poll until it is back`,
      logger: this.logger,
    });
  }

  get connected(): boolean {
    return this.connection.connected;
  }

  start(): Promise<void> {
    return this.connection.start();
  }

  stop(): Promise<void> {
    return this.connection.stop();
  }
}
