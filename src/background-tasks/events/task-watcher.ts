import { Injectable, Logger } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { ApiUser } from '../../auth/index.js';
import type { BackgroundTaskRecord } from '../model/task-records.js';
import { TaskStore } from '../storage/task-store.js';
import { isFinalStatus } from '../task-status.js';
import { canSeeTask } from '../visible-task.js';
import { LiveTaskChanges, type LiveChange } from './live-task-changes.js';
import { ALL_TASKS } from './task-change-channel.js';

/** Re-read period when nothing pushes other processes' changes (SQLite, SQL Server, listener down). */
const POLL_MS = 1_000;
/** Backstop re-read period while PostgreSQL pushes them (a lost notification costs at most this). */
const PUSHED_POLL_MS = 5_000;
/** Changes to the list are gathered this long before they are read, so a burst costs one read each. */
const LIST_GATHER_MS = 20;
/**
 * More changed tasks than this in one gathering, or in one second, and the list is told to reload instead:
 * a viewer of a busy queue costs a page read per second, not a row read per change.
 */
const LIST_MAX_READS = 50;
const LIST_MAX_READS_PER_SECOND = 200;
/** Reloads are asked for at most this often. */
const RESYNC_MIN_INTERVAL_MS = 1_000;
/** The list polls the newest tasks and the running ones: what a dashboard's first page shows. */
const LIST_POLL_NEWEST = 20;
const LIST_POLL_RUNNING = 50;
const LIST_SEEN_LIMIT = 2_000;

export type TaskListEvent =
  | { readonly kind: 'task'; readonly record: BackgroundTaskRecord }
  /** More changed than the stream sends one by one: the client should reload the page it shows. */
  | { readonly kind: 'resync' };

export interface TaskListFilter {
  readonly name?: string;
  /** Undefined: every creator the viewer may see. */
  readonly createdBy?: string;
}

/** What a viewer of a task sees change; the row's updated_at alone misses nothing but costs a clock tick. */
function signature(record: BackgroundTaskRecord): string {
  const { updatedAt, status, progress, attempts, cancelRequestedAt } = record;
  return [
    updatedAt.getTime(),
    status,
    attempts,
    progress.step,
    progress.percent,
    progress.info,
    cancelRequestedAt?.getTime(),
  ].join('|');
}

/**
 * Live views of tasks, built on LiveTaskChanges: a change this process made is read back and pushed at
 * once, one from another process when PostgreSQL notifies it, and a poll catches the rest. Each stream
 * reads only through the TaskStore's queries (find by id, list), one row per changed task.
 */
@Injectable()
export class TaskWatcher {
  private readonly logger = new Logger(TaskWatcher.name);

  constructor(
    private readonly store: TaskStore,
    private readonly live: LiveTaskChanges,
  ) {}

  private get pollMs(): number {
    return this.live.pushesRemoteChanges ? PUSHED_POLL_MS : POLL_MS;
  }

  /**
   * The task now, then every change of it; completes after a final status (or if the task is deleted).
   * `initial` is the row the caller read to check the viewer may see it.
   */
  task(initial: BackgroundTaskRecord): Observable<BackgroundTaskRecord> {
    const id = initial.id;
    return new Observable<BackgroundTaskRecord>((subscriber) => {
      let last = '';
      let closed = false;
      let reading = false;
      let readAgain = false;
      let pollTimer: NodeJS.Timeout | undefined;

      const deliver = (record: BackgroundTaskRecord | undefined) => {
        if (record) {
          const current = signature(record);
          if (current !== last) {
            last = current;
            subscriber.next(record);
          }
        }
        if (!record || isFinalStatus(record.status)) {
          closed = true;
          subscriber.complete();
        }
      };
      const read = async () => {
        if (closed) return;
        if (reading) {
          readAgain = true;
          return;
        }
        reading = true;
        try {
          do {
            readAgain = false;
            const record = await this.store.findById(id);
            if (!closed) deliver(record);
          } while (readAgain && !closed);
        } catch (error) {
          // The database is away: the stream stays open and the next change or poll reads again.
          this.logger.warn(`Task ${id}: live view could not read the task (${String(error)})`);
        } finally {
          reading = false;
        }
      };
      const poll = () => {
        pollTimer = setTimeout(() => {
          void read().then(() => !closed && poll());
        }, this.pollMs);
      };

      deliver(initial);
      if (closed) return;
      const unsubscribe = this.live.subscribe((change: LiveChange) => {
        if (change === ALL_TASKS || change.includes(id)) void read();
      });
      poll();
      return () => {
        closed = true;
        unsubscribe();
        clearTimeout(pollTimer);
      };
    });
  }

  /**
   * Every change of a task the viewer may see (and that matches the filter), as it happens; `resync` when
   * too many changed at once. Never completes: the client closes it.
   */
  list(viewer: ApiUser, filter: TaskListFilter): Observable<TaskListEvent> {
    return new Observable<TaskListEvent>((subscriber) => {
      const pending = new Set<string>();
      const seen = new Map<string, string>();
      let everything = false;
      let closed = false;
      let flushing = false;
      let lastResync = 0;
      let budgetSecond = 0;
      let readsInSecond = 0;
      let flushTimer: NodeJS.Timeout | undefined;
      let pollTimer: NodeJS.Timeout | undefined;

      const matches = (record: BackgroundTaskRecord) =>
        canSeeTask(record, viewer) &&
        (filter.name === undefined || record.name === filter.name) &&
        (filter.createdBy === undefined || record.createdBy === filter.createdBy);
      const offer = (record: BackgroundTaskRecord) => {
        if (closed || !matches(record)) return;
        const current = signature(record);
        if (seen.get(record.id) === current) return;
        if (seen.size >= LIST_SEEN_LIMIT) seen.clear();
        seen.set(record.id, current);
        subscriber.next({ kind: 'task', record });
      };
      const schedule = (delayMs: number) => {
        flushTimer ??= setTimeout(() => void flush(), delayMs);
      };
      const flush = async () => {
        flushTimer = undefined;
        if (closed) return;
        if (flushing) return schedule(LIST_GATHER_MS);
        const second = Math.floor(Date.now() / 1000);
        if (second !== budgetSecond) {
          budgetSecond = second;
          readsInSecond = 0;
        }
        if (
          everything ||
          pending.size > LIST_MAX_READS ||
          readsInSecond + pending.size > LIST_MAX_READS_PER_SECOND
        ) {
          const wait = lastResync + RESYNC_MIN_INTERVAL_MS - Date.now();
          if (wait > 0) return schedule(wait);
          everything = false;
          pending.clear();
          lastResync = Date.now();
          subscriber.next({ kind: 'resync' });
          return;
        }
        const ids = [...pending];
        pending.clear();
        readsInSecond += ids.length;
        flushing = true;
        try {
          const records = await Promise.all(ids.map((id) => this.store.findById(id)));
          for (const record of records) if (record) offer(record);
        } catch (error) {
          this.logger.warn(`Task list live view could not read tasks (${String(error)})`);
          everything = true;
          schedule(this.pollMs);
        } finally {
          flushing = false;
        }
      };
      const poll = () => {
        pollTimer = setTimeout(() => {
          void (async () => {
            // While PostgreSQL pushes other processes' changes, the list needs no poll.
            if (!this.live.pushesRemoteChanges) {
              try {
                const base = { name: filter.name, createdBy: filter.createdBy };
                const [newest, running] = await Promise.all([
                  this.store.list({ ...base, limit: LIST_POLL_NEWEST }),
                  this.store.list({ ...base, status: 'processing', limit: LIST_POLL_RUNNING }),
                ]);
                for (const record of [...running, ...newest]) offer(record);
              } catch (error) {
                this.logger.warn(`Task list live view could not poll (${String(error)})`);
              }
            }
            if (!closed) poll();
          })();
        }, POLL_MS);
      };

      const unsubscribe = this.live.subscribe((change: LiveChange) => {
        if (change === ALL_TASKS) everything = true;
        else for (const id of change) pending.add(id);
        schedule(LIST_GATHER_MS);
      });
      poll();
      return () => {
        closed = true;
        unsubscribe();
        clearTimeout(flushTimer);
        clearTimeout(pollTimer);
      };
    });
  }
}
