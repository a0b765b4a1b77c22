import type { Logger } from '@nestjs/common';
import pg from 'pg';

const RECONNECT_DELAYS_MS = [100, 500, 1_000, 2_000, 5_000];

export interface ChannelListener {
  readonly onNotification: (payload: string | undefined) => void;
  /**
   * Called each time LISTEN is in place on the channel; `reconnected` is true after a lost connection,
   * when whatever was notified meanwhile is lost and the caller should assume anything may have changed.
   */
  readonly onListening?: (reconnected: boolean) => void;
}

/**
 * A process's one side connection to PostgreSQL for LISTEN/NOTIFY (never a pooled connection that a
 * claim or a request waits for): it LISTENs on every channel asked for, sends notifications, and comes
 * back by itself, with growing delays, when the connection drops or the database is away. One reconnect
 * policy and one connection however many parts of the process listen or notify.
 */
export class PostgresNotificationConnection {
  private readonly channels = new Map<string, Set<ChannelListener>>();
  /** The channels the current connection LISTENs on. */
  private listening = new Set<string>();
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly connectionString: string,
    private readonly applicationName: string,
    private readonly logger: Logger,
  ) {}

  /** True while the connection is up and LISTENs on every channel asked for. */
  get connected(): boolean {
    return this.client !== undefined;
  }

  /**
   * LISTENs on `channel` (a name built from validated identifiers; quoted here) until the returned function
   * is called. Resolves once the first attempt to listen answered, whether it succeeded or not: while the
   * database is away the connection keeps trying.
   */
  async listen(channel: string, listener: ChannelListener): Promise<() => void> {
    let listeners = this.channels.get(channel);
    if (!listeners) this.channels.set(channel, (listeners = new Set()));
    listeners.add(listener);
    const unlisten = () => void listeners.delete(listener);
    await this.connecting; // a connection being opened may or may not have seen this channel yet
    const client = this.client;
    if (!client) {
      await this.connect();
      return unlisten;
    }
    if (!this.listening.has(channel)) {
      try {
        await client.query(`LISTEN "${channel}"`);
        this.listening.add(channel);
      } catch (error) {
        this.lost(client, error);
        return unlisten;
      }
    }
    listener.onListening?.(false);
    return unlisten;
  }

  /** Sends each payload on `channel`, in one statement; rejects when the connection is not up. */
  async notify(channel: string, payloads: readonly string[]): Promise<void> {
    if (!this.client) {
      await this.connect();
      if (!this.client) throw new Error('no connection to PostgreSQL for notifications');
    }
    await this.client.query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload', [
      channel,
      payloads,
    ]);
  }

  private connect(): Promise<void> {
    if (this.stopped || this.client || this.reconnectTimer) return Promise.resolve();
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: this.applicationName,
    });
    client.on('notification', ({ channel, payload }) => {
      for (const listener of this.channels.get(channel) ?? []) listener.onNotification(payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      const listening = new Set<string>();
      for (const channel of this.channels.keys()) {
        await client.query(`LISTEN "${channel}"`);
        listening.add(channel);
      }
      if (this.stopped) {
        client.removeAllListeners('end');
        await client.end();
        return;
      }
      this.client = client;
      this.listening = listening;
      const reconnected = this.failures > 0;
      this.failures = 0;
      for (const listeners of this.channels.values()) {
        for (const listener of listeners) listener.onListening?.(reconnected);
      }
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.lost(client, error);
    }
  }

  private lost(client: pg.Client, error?: unknown): void {
    if (this.stopped || (this.client !== undefined && this.client !== client) || this.reconnectTimer) return;
    this.client = undefined;
    client.removeAllListeners('end');
    void client.end().catch(() => undefined);
    const delay = RECONNECT_DELAYS_MS[Math.min(this.failures, RECONNECT_DELAYS_MS.length - 1)];
    this.failures++;
    const reason = error instanceof Error ? error.message : 'closed';
    this.logger.warn(
      `Notification connection lost (${reason}); retrying in ${delay} ms. ` +
        'Until it is back, workers find other processes’ tasks by polling and live views poll.',
    );
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    client?.removeAllListeners('end');
    await client?.end().catch(() => undefined);
  }
}
