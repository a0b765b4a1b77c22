import type { Logger } from '@nestjs/common';
import pg from 'pg';

const RECONNECT_DELAYS_MS = [100, 500, 1_000, 2_000, 5_000];

export interface ListenOptions {
  readonly connectionString: string;
  readonly applicationName: string;
  /** A channel name built from validated identifiers; quoted here. */
  readonly channel: string;
  readonly onNotification: (payload: string | undefined) => void;
  /**
   * Called each time LISTEN is in place; `reconnected` is true after a lost connection, when whatever was
   * notified meanwhile is lost and the caller should assume anything may have changed.
   */
  readonly onListening: (reconnected: boolean) => void;
  /** The warning for a lost connection, given its reason; "retrying in N ms" is appended. */
  readonly lostMessage: (reason: string) => string;
  readonly logger: Logger;
}

/**
 * One connection of its own (not a pooled one) that LISTENs on a channel and comes back by itself, with
 * growing delays, when the connection drops or the database is away.
 */
export class PostgresListenConnection {
  private client: pg.Client | undefined;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(private readonly options: ListenOptions) {}

  get connected(): boolean {
    return this.client !== undefined;
  }

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const { connectionString, applicationName, channel, onNotification, onListening } = this.options;
    const client = new pg.Client({ connectionString, application_name: applicationName });
    client.on('notification', ({ payload }) => onNotification(payload));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${channel}"`);
      if (this.stopped) {
        client.removeAllListeners('end');
        await client.end();
        return;
      }
      this.client = client;
      const reconnected = this.failures > 0;
      this.failures = 0;
      onListening(reconnected);
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
    const reason = error instanceof Error ? error.message : 'closed';
    this.options.logger.warn(`${this.options.lostMessage(reason)}; retrying in ${delay} ms`);
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
    client?.removeAllListeners('end');
    await client?.end().catch(() => undefined);
  }
}
