import { Logger } from '@nestjs/common';
import { PostgresListenConnection } from '../../../database/postgres-listen-connection.js';
import { notificationChannel } from './postgres-statements.js';

const logger = new Logger('PostgresTaskNotifications');

/**
 * Keeps one connection LISTENing on the schema's channel and calls `onNotified` for every notification.
 * The statements that make a task claimable notify on commit, so a worker in another process starts it within a few
 * milliseconds instead of at its next poll. Each time it starts listening (after a reconnect too, since
 * notifications sent while it was away are lost) it calls `onNotified` once as well. Polling remains the
 * backstop either way.
 */
export function listenForNewTasks(
  connectionString: string,
  schema: string,
  onNotified: () => void,
): PostgresListenConnection {
  return new PostgresListenConnection({
    connectionString,
    applicationName: `listener:${schema}`,
    channel: notificationChannel(schema),
    onNotification: () => onNotified(),
    onListening: (reconnected) => {
      if (reconnected) logger.log('Listening for new tasks again');
      onNotified();
    },
    lostMessage: (reason) => `LISTEN connection lost (${reason})`,
    logger,
  });
}
