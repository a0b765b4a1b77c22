import { Logger } from '@nestjs/common';
import pg from 'pg';
import { notificationChannel } from './postgres-statements.js';

const RECONNECT_DELAYS_MS = [100, 500, 1_000, 2_000, 5_000];

/**
 * Keeps one connection LISTENing on the schema's channel and calls `onNotified` for every notification.
 * The insert trigger notifies on commit, so a worker in another process starts a new task within a few
 * milliseconds instead of at its next poll. After a reconnect it calls `onNotified` once as well, since
 * notifications sent while it was away are lost. Polling remains the backstop either way.
 */
export class PostgresTaskNotifications {
  private readonly logger = new Logger(PostgresTaskNotifications.name);
  private client: pg.Client | undefined;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    private readonly connectionString: string,
    private readonly schema: string,
    private readonly onNotified: () => void,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: `listener:${this.schema}`,
    });
    client.on('notification', () => this.onNotified());
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${notificationChannel(this.schema)}"`);
      this.client = client;
      if (this.failures > 0) this.logger.log('Listening for new tasks again');
      this.failures = 0;
      this.onNotified();
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.lost(client, error);
    }
  }

  private lost(client: pg.Client, error?: unknown): void {
    if (this.stopped || (this.client !== undefined && this.client !== client) || this.reconnectTimer) return;
    this.client = undefined;
    const delay = RECONNECT_DELAYS_MS[Math.min(this.failures, RECONNECT_DELAYS_MS.length - 1)];
    this.failures++;
    this.logger.warn(
      `LISTEN connection lost (${error instanceof Error ? error.message : 'closed'}); retrying in ${delay} ms`,
    );
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
