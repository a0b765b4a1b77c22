import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { ApiUser } from '../../shared/identity/index.js';
import { TooManyStreamsError } from '../background-task.errors.js';
import { BackgroundTasksConfig } from '../background-tasks.config.js';
import type { TaskViewRecord } from '../model/task-records.js';
import { MAX_VIEW_READ, TaskStore } from '../storage/task-store.js';
import { isFinalStatus } from '../task-status.js';
import { canSeeTask } from '../visible-task.js';
import { PostgresTaskChannels } from './postgres-task-channels.js';
import { ALL_TASKS } from './task-change-channel.js';
import { changedTaskIds, TaskEvents } from './task-events.js';

/** Re-read period when nothing pushes other processes' changes (SQLite, SQL Server, connection down). */
const POLL_MS = 1_000;
/** Backstop re-read period of watched tasks while PostgreSQL pushes them (a lost notification costs this). */
const PUSHED_POLL_MS = 5_000;
/** Changes are gathered this long before they are read, so that a burst costs one statement. */
const GATHER_MS = 20;
/**
 * More changed tasks than this in one gathering, while task lists are watched, and the lists are told to
 * reload instead: a busy queue costs their viewers a page read each, not a read of every changed row.
 */
const LIST_MAX_CHANGES = 50;
/** A list is asked to reload at most this often. */
const RESYNC_MIN_INTERVAL_MS = 1_000;
/** While polling, lists get the newest tasks and the running ones: what a dashboard's first page shows. */
const LIST_POLL_NEWEST = 20;
const LIST_POLL_RUNNING = 50;
const LIST_SEEN_LIMIT = 2_000;

export type TaskListEvent =
  | { readonly kind: 'task'; readonly record: TaskViewRecord }
  /** More changed than the stream sends one by one: the client should reload the page it shows. */
  | { readonly kind: 'resync' };

export interface TaskListFilter {
  readonly name?: string;
  /** Undefined: every creator the viewer may see. */
  readonly createdBy?: string;
}

/** What a viewer of a task sees change; the row's updated_at alone misses nothing but costs a clock tick. */
function signature(record: TaskViewRecord): string {
  const { updatedAt, status, progress, attempts } = record;
  return [updatedAt.getTime(), status, attempts, progress.step, progress.percent, progress.info].join('|');
}

/** One open list stream. */
interface ListWatcher {
  readonly filter: TaskListFilter;
  offer(record: TaskViewRecord): void;
  resync(): void;
}

/** One open task stream; `undefined` when the task is gone. */
type TaskListener = (record: TaskViewRecord | undefined) => void;

/**
 * Live views of tasks, for every viewer of the process at once. The ids of changed tasks arrive from
 * TaskEvents (this process's writes) and PostgresTaskChannels (other processes', on PostgreSQL); they are
 * gathered for 20 ms and read in one statement (TaskStore.findViews, the view's columns only) that every
 * open stream shares, each taking what it shows and may see. A poll catches what no event reports (the
 * sweeps, other processes' writes where nothing pushes them): every watched task in one statement, and
 * one list query per distinct list filter.
 *
 * Streams:
 * - task(): the task now, then every change of it; completes after a final status or when it is gone.
 * - list(): every change of a task the viewer may see and the filter matches; `resync` when too many
 *   changed at once. It never completes: the client closes it.
 *
 * A user holds at most STREAMS_PER_USER streams of either kind open in this process: opening one more
 * throws TooManyStreamsError (429) before anything is sent.
 */
@Injectable()
export class TaskWatcher implements OnApplicationShutdown {
  private readonly logger = new Logger(TaskWatcher.name);
  private readonly tasks = new Map<string, Set<TaskListener>>();
  private readonly lists = new Set<ListWatcher>();
  private pending = new Set<string>();
  /** Re-read every watched task and resync the lists: a change of unknown tasks happened. */
  private everything = false;
  /** Re-read every watched task (a sweep changed rows by condition). */
  private watchedTasks = false;
  private gatherTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private unsubscribes: (() => void)[] = [];
  private subscribed = false;
  /** Open streams by user name, counted from the call that opens one to its end. */
  private readonly openStreams = new Map<string, number>();

  constructor(
    private readonly store: TaskStore,
    private readonly events: TaskEvents,
    private readonly channels: PostgresTaskChannels,
    private readonly config: BackgroundTasksConfig,
  ) {}

  /** Counts a stream of `viewer` against the limit, or refuses it; the returned function ends it (once). */
  private admit(viewer: ApiUser): () => void {
    const open = this.openStreams.get(viewer.name) ?? 0;
    if (open >= this.config.streamsPerUser) throw new TooManyStreamsError(this.config.streamsPerUser);
    this.openStreams.set(viewer.name, open + 1);
    let counted = true;
    return () => {
      if (!counted) return;
      counted = false;
      const left = (this.openStreams.get(viewer.name) ?? 1) - 1;
      if (left > 0) this.openStreams.set(viewer.name, left);
      else this.openStreams.delete(viewer.name);
    };
  }

  onApplicationShutdown(): void {
    this.stopListening();
  }

  task(initial: TaskViewRecord, viewer: ApiUser): Observable<TaskViewRecord> {
    const { id } = initial;
    const release = this.admit(viewer);
    return new Observable<TaskViewRecord>((subscriber) => {
      let last = '';
      const listener: TaskListener = (record) => {
        if (record) {
          const current = signature(record);
          if (current !== last) {
            last = current;
            subscriber.next(record);
          }
        }
        if (!record || isFinalStatus(record.status)) subscriber.complete();
      };
      listener(initial);
      if (subscriber.closed) return release;
      const listeners = this.tasks.get(id) ?? new Set();
      listeners.add(listener);
      this.tasks.set(id, listeners);
      this.watching();
      return () => {
        release();
        listeners.delete(listener);
        if (listeners.size === 0 && this.tasks.get(id) === listeners) this.tasks.delete(id);
        this.idle();
      };
    });
  }

  list(viewer: ApiUser, filter: TaskListFilter): Observable<TaskListEvent> {
    const release = this.admit(viewer);
    return new Observable<TaskListEvent>((subscriber) => {
      const seen = new Map<string, string>();
      let lastResync = 0;
      let resyncTimer: NodeJS.Timeout | undefined;
      const watcher: ListWatcher = {
        filter,
        offer: (record) => {
          if (!canSeeTask(record, viewer) || !matches(record, filter)) return;
          const current = signature(record);
          if (seen.get(record.id) === current) return;
          if (seen.size >= LIST_SEEN_LIMIT) seen.clear();
          seen.set(record.id, current);
          subscriber.next({ kind: 'task', record });
        },
        resync: () => {
          if (resyncTimer) return;
          const wait = lastResync + RESYNC_MIN_INTERVAL_MS - Date.now();
          const send = () => {
            resyncTimer = undefined;
            lastResync = Date.now();
            seen.clear();
            subscriber.next({ kind: 'resync' });
          };
          if (wait <= 0) send();
          else resyncTimer = setTimeout(send, wait);
        },
      };
      this.lists.add(watcher);
      this.watching();
      return () => {
        release();
        clearTimeout(resyncTimer);
        this.lists.delete(watcher);
        this.idle();
      };
    });
  }

  /** A stream opened: listen for changes and poll, if not already. */
  private watching(): void {
    if (!this.subscribed) {
      this.subscribed = true;
      this.unsubscribes.push(
        this.events.subscribe((event) => {
          const ids = changedTaskIds(event);
          if (ids.length === 0) this.watchedTasks = true;
          else for (const id of ids) this.pending.add(id);
          this.schedule();
        }),
      );
      void this.channels
        .onRemoteChanges((change) => {
          if (change === ALL_TASKS) this.everything = true;
          else for (const id of change) this.pending.add(id);
          this.schedule();
        })
        .then((unlisten) => (this.subscribed ? this.unsubscribes.push(unlisten) : unlisten()));
    }
    this.pollTimer ??= setTimeout(() => void this.poll(), this.pollMs);
  }

  /** The last stream closed: stop listening and polling. */
  private idle(): void {
    if (this.tasks.size === 0 && this.lists.size === 0) this.stopListening();
  }

  private stopListening(): void {
    this.subscribed = false;
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    clearTimeout(this.gatherTimer);
    clearTimeout(this.pollTimer);
    this.gatherTimer = this.pollTimer = undefined;
    this.pending.clear();
  }

  private get pollMs(): number {
    return this.channels.receivesRemoteChanges ? PUSHED_POLL_MS : POLL_MS;
  }

  private schedule(): void {
    this.gatherTimer ??= setTimeout(() => void this.flush(), GATHER_MS);
  }

  /** Reads what changed, one statement per MAX_VIEW_READ ids, one read at a time. */
  private async flush(): Promise<void> {
    this.gatherTimer = undefined;
    if (this.reading) {
      await this.reading;
      return this.schedule();
    }
    const changed = [...this.pending];
    this.pending = new Set();
    let ids: string[];
    let toLists = true;
    if (this.everything || (this.lists.size > 0 && changed.length > LIST_MAX_CHANGES)) {
      for (const list of this.lists) list.resync();
      ids = [...this.tasks.keys()];
      toLists = false; // they reload the page they show
    } else if (this.watchedTasks) {
      ids = [...new Set([...changed, ...this.tasks.keys()])];
    } else {
      ids = this.lists.size > 0 ? changed : changed.filter((id) => this.tasks.has(id));
    }
    this.everything = this.watchedTasks = false;
    if (ids.length === 0) return;
    this.reading = this.read(ids, toLists).finally(() => (this.reading = undefined));
    await this.reading;
  }

  private async read(ids: readonly string[], toLists: boolean): Promise<void> {
    try {
      for (let start = 0; start < ids.length; start += MAX_VIEW_READ) {
        const chunk = ids.slice(start, start + MAX_VIEW_READ);
        const records = await this.store.findViews(chunk);
        const found = new Map(records.map((record) => [record.id, record]));
        for (const id of chunk) {
          const record = found.get(id);
          for (const listener of this.tasks.get(id) ?? []) listener(record);
          if (record && toLists) for (const list of this.lists) list.offer(record);
        }
      }
    } catch (error) {
      // The database is away: the streams stay open, and the next poll reads every watched task again.
      this.logger.warn(`Live views could not read ${ids.length} changed task(s) (${String(error)})`);
      this.everything = true;
    }
  }

  private async poll(): Promise<void> {
    this.pollTimer = undefined;
    if (this.tasks.size > 0) {
      this.watchedTasks = true;
      this.schedule();
    }
    if (this.everything) this.schedule();
    // While PostgreSQL pushes other processes' changes, lists need no poll.
    if (this.lists.size > 0 && !this.channels.receivesRemoteChanges) await this.pollLists();
    if (this.subscribed) this.pollTimer ??= setTimeout(() => void this.poll(), this.pollMs);
  }

  /** One query pair per distinct filter, however many lists share it. */
  private async pollLists(): Promise<void> {
    const byFilter = new Map<string, ListWatcher[]>();
    for (const list of this.lists) {
      const key = JSON.stringify([list.filter.name ?? null, list.filter.createdBy ?? null]);
      const group = byFilter.get(key);
      if (group) group.push(list);
      else byFilter.set(key, [list]);
    }
    for (const lists of byFilter.values()) {
      const { name, createdBy } = lists[0].filter;
      try {
        const [newest, running] = await Promise.all([
          this.store.list({ name, createdBy, limit: LIST_POLL_NEWEST }),
          this.store.list({ name, createdBy, status: 'processing', limit: LIST_POLL_RUNNING }),
        ]);
        for (const record of [...running, ...newest]) for (const list of lists) list.offer(record);
      } catch (error) {
        this.logger.warn(`Task list live views could not poll (${String(error)})`);
      }
    }
  }
}

function matches(record: TaskViewRecord, filter: TaskListFilter): boolean {
  return (
    (filter.name === undefined || record.name === filter.name) &&
    (filter.createdBy === undefined || record.createdBy === filter.createdBy)
  );
}
