import { jest } from '@jest/globals';
import type { Subscription } from 'rxjs';
import { InMemoryTaskStore } from '../../../test/support/in-memory-task-store.js';
import { newTaskRow } from '../../../test/support/task-rows.js';
import type { ApiUser } from '../../shared/identity/index.js';
import type { DatabaseConfig } from '../../database/database-config.js';
import { TooManyStreamsError } from '../background-task.errors.js';
import type { BackgroundTasksConfig } from '../background-tasks.config.js';
import type { TaskViewRecord } from '../model/task-records.js';
import { PostgresTaskChannels } from './postgres-task-channels.js';
import { TaskEvents } from './task-events.js';
import { TaskWatcher, type TaskListEvent } from './task-watcher.js';

const alice: ApiUser = { name: 'alice', role: 'editor' };
const admin: ApiUser = { name: 'root', role: 'admin' };

/** A call of the in-memory store, whose statements answer after a (fake) timer. */
const now = <T>(promise: Promise<T>): Promise<T> => jest.advanceTimersByTimeAsync(0).then(() => promise);

/** Lets the 20 ms gathering and the read after it run. */
const settle = async () => {
  await jest.advanceTimersByTimeAsync(25);
  await jest.advanceTimersByTimeAsync(0);
};

describe('TaskWatcher (the live views of one process)', () => {
  let store: InMemoryTaskStore;
  let events: TaskEvents;
  let watcher: TaskWatcher;
  let reads: string[][];
  const subscriptions: Subscription[] = [];

  beforeEach(() => {
    jest.useFakeTimers();
    store = new InMemoryTaskStore();
    events = new TaskEvents();
    // SQLite's: no notification connection, so the views poll.
    const database = { engine: 'sqlite', target: { engine: 'sqlite' } } as DatabaseConfig;
    const config = { streamsPerUser: 100 } as BackgroundTasksConfig;
    watcher = new TaskWatcher(store, events, new PostgresTaskChannels(database, events), config);
    reads = [];
    const findViews = store.findViews.bind(store);
    store.findViews = (ids) => {
      reads.push([...ids]);
      return findViews(ids);
    };
  });

  afterEach(() => {
    for (const subscription of subscriptions.splice(0)) subscription.unsubscribe();
    watcher.onApplicationShutdown();
    jest.useRealTimers();
  });

  const enqueue = async (createdBy: string | null) =>
    (await now(store.enqueue(newTaskRow('test.sleep', { createdBy })))).id;
  const view = async (id: string) => (await now(store.findViews([id])))[0];

  it('reads a batch of changes once, in one statement, for every viewer of the process', async () => {
    const lists = Array.from({ length: 50 }, () => [] as TaskListEvent[]);
    for (const received of lists) {
      subscriptions.push(watcher.list(alice, { createdBy: 'alice' }).subscribe((e) => received.push(e)));
    }
    const ids = [await enqueue('alice'), await enqueue('alice'), await enqueue('bob')];
    const watched: TaskViewRecord[] = [];
    subscriptions.push(watcher.task(await view(ids[2]), alice).subscribe((record) => watched.push(record)));
    reads = [];
    events.emit({ kind: 'enqueued', name: 'test.sleep', ids });
    await settle();
    expect(reads).toEqual([ids]);
    for (const received of lists) {
      // Alice's lists see her two tasks, not Bob's.
      expect(received.map((e) => (e.kind === 'task' ? e.record.id : e.kind))).toEqual(ids.slice(0, 2));
    }
    expect(watched.map((record) => record.id)).toEqual([ids[2]]); // the first read only: nothing changed
  });

  it('sends a task stream each change once, and ends it at a final status', async () => {
    const id = await enqueue('alice');
    const seen: string[] = [];
    let completed = false;
    subscriptions.push(
      watcher.task(await view(id), alice).subscribe({
        next: (record) => seen.push(`${record.status} ${record.progress.step}`),
        complete: () => (completed = true),
      }),
    );
    const [claimed] = await now(
      store.claim({
        leaseOwner: 'w#1',
        limit: 1,
        leaseDurationMs: 60_000,
        names: ['test.sleep'],
      }),
    );
    const task = { id, name: 'test.sleep' };
    events.emit({ kind: 'claimed', runs: [{ ...task, attempt: 1, maxAttempts: 3, waitMs: 0 }] });
    await settle();
    await now(store.saveProgress(id, claimed.leaseOwner, { step: 1, info: null, percent: 50 }));
    events.emit({ kind: 'progressed', task });
    events.emit({ kind: 'progressed', task }); // the same state twice: sent once
    await settle();
    const progress = { step: 1, info: null, percent: 100 };
    const ending = { kind: 'completed' as const, resultJson: 'null' };
    await now(store.finish([{ id, leaseOwner: claimed.leaseOwner, attempt: 1, ending, progress }]));
    events.emit({
      kind: 'ended',
      runs: [{ ...task, ending: 'completed', runMs: 1, attempt: 1, maxAttempts: 3 }],
    });
    await settle();
    expect(seen).toEqual(['enqueued null', 'processing null', 'processing 1', 'completed 1']);
    expect(completed).toBe(true);
  });

  it('tells lists to reload instead of reading a burst, and still reads the tasks streams watch', async () => {
    const received: TaskListEvent[] = [];
    subscriptions.push(watcher.list(admin, {}).subscribe((e) => received.push(e)));
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(await enqueue('alice'));
    subscriptions.push(watcher.task(await view(ids[0]), admin).subscribe(() => undefined));
    reads = [];
    events.emit({ kind: 'enqueued', name: 'test.sleep', ids });
    await settle();
    expect(received).toEqual([{ kind: 'resync' }]);
    expect(reads).toEqual([[ids[0]]]);
  });

  it('polls each distinct list filter once however many lists share it, and stops when the last closes', async () => {
    const list = jest.spyOn(store, 'list');
    const streams = Array.from({ length: 20 }, () => watcher.list(alice, { createdBy: 'alice' }).subscribe());
    streams.push(watcher.list(admin, {}).subscribe());
    await jest.advanceTimersByTimeAsync(1_000);
    // Newest and running, for each of the two filters.
    expect(list).toHaveBeenCalledTimes(4);
    for (const stream of streams) stream.unsubscribe();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(list).toHaveBeenCalledTimes(4);
    expect(reads).toEqual([]);
  });

  it('holds a user to STREAMS_PER_USER open streams, counting each until it ends', async () => {
    const id = await enqueue('alice');
    const open = [watcher.list(alice, {}).subscribe(), watcher.task(await view(id), alice).subscribe()];
    for (let i = 2; i < 100; i++) open.push(watcher.list(alice, {}).subscribe());
    expect(() => watcher.list(alice, {})).toThrow(TooManyStreamsError);
    expect(() => watcher.list(admin, {})).not.toThrow(); // another user's streams are their own
    open.pop()!.unsubscribe();
    expect(() => watcher.list(alice, {}).subscribe().unsubscribe()).not.toThrow();
    for (const stream of open) stream.unsubscribe();
  });
});
