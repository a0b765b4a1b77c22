import { randomBytes } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { DatabaseConfig } from '../../database/database-config.js';
import { encodeTaskChanges, taskChangeChannel } from './task-change-channel.js';
import { TaskChanges } from './task-changes.js';

export function postgresUrl(database: DatabaseConfig): string {
  if (database.target.engine !== 'postgres') throw new Error('Not a PostgreSQL database');
  return database.target.url;
}

/** Changes are gathered this long, so that a busy worker sends one notification per batch, not per write. */
const BATCH_MS = 50;

/**
 * Tells other processes which tasks this one changed, on PostgreSQL: it gathers the ids TaskChanges
 * announces for 50 ms and sends them with pg_notify on a connection of its own (never a pool connection a
 * claim or a request waits for). Live views in other processes (PostgresTaskChangeListener) then re-read
 * those tasks within ~100 ms. Runs in every role, since API processes change tasks too (enqueue, cancel).
 * Losing a batch (the connection dropped) only delays the views to their next poll.
 */
@Injectable()
export class PostgresTaskChangeRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PostgresTaskChangeRelay.name);
  /** Marks this process's notifications, which its own listener skips. */
  readonly origin = randomBytes(4).toString('hex');
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private failing = false;

  constructor(
    private readonly database: DatabaseConfig,
    private readonly changes: TaskChanges,
  ) {}

  get enabled(): boolean {
    return this.database.engine === 'postgres';
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.unsubscribe = this.changes.subscribe((ids) => {
      for (const id of ids) this.pending.add(id);
      this.timer ??= setTimeout(() => void this.flush(), BATCH_MS);
    });
  }

  /** After the worker stopped (its last endings are announced by then): sends what is left, then closes. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.enabled) return;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    await this.sending;
    if (this.pending.size > 0) await this.flush();
    this.stopped = true;
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    await client?.end().catch(() => undefined);
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
      const client = await this.connection();
      await client.query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload', [
        taskChangeChannel(this.database.schema as string),
        payloads,
      ]);
      if (this.failing) this.logger.log('Sending task changes to other processes again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) {
        this.logger.warn(
          `Could not send task changes to other processes (${String(error)}); their live views will poll`,
        );
      }
      this.failing = true;
      const client = this.client;
      this.client = undefined;
      await client?.end().catch(() => undefined);
    }
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    if (this.stopped) throw new Error('the relay has stopped');
    this.connecting ??= (async () => {
      const client = new pg.Client({
        connectionString: postgresUrl(this.database),
        application_name: `task-changes:${this.database.schema}`,
      });
      client.on('error', () => {
        if (this.client === client) this.client = undefined;
      });
      try {
        await client.connect();
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      return client;
    })().finally(() => (this.connecting = undefined));
    this.client = await this.connecting;
    return this.client;
  }
}
