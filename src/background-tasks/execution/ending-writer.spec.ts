import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { TaskEvents, type TaskEvent } from '../events/task-events.js';
import type { FinishedRun } from '../model/task-records.js';
import type { TaskStore } from '../storage/task-store.js';
import { Mutex } from '../../shared/mutex.js';
import { EndingWriter } from './ending-writer.js';

const completed = (id: string, resultJson = 'null'): FinishedRun => ({
  id,
  leaseOwner: 'w#1',
  attempt: 1,
  ending: { kind: 'completed', resultJson },
  progress: { step: null, info: null, percent: 100 },
});

/** PostgreSQL's error for a jsonb value it cannot hold (SQLSTATE 22P05, a data exception). */
const refusedValue = () => Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
const connectionLost = () => new Error('Connection terminated unexpectedly');

/**
 * A store whose `finish` records each batch and answers as `answer` says: throw an error (the statement
 * failed), or hold every lease. Batches are all or nothing, as on every engine.
 */
function scriptedStore(
  answer: (runs: readonly FinishedRun[], call: number) => Error | undefined = () => undefined,
) {
  const batches: string[][] = [];
  const stored: FinishedRun[] = [];
  const store = {
    finish: (runs: readonly FinishedRun[]) => {
      const ids = runs.map((run) => run.id);
      batches.push(ids);
      const error = answer(runs, batches.length);
      if (error) return Promise.reject(error);
      stored.push(...runs);
      return Promise.resolve(new Set(ids));
    },
  } as unknown as TaskStore;
  return { store, batches, stored };
}

const quietLogger = () => {
  const logger = new Logger('test');
  jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
  jest.spyOn(logger, 'error').mockImplementation(() => undefined);
  return logger;
};
const writerFor = (store: TaskStore, events = new TaskEvents()) =>
  new EndingWriter(store, new Mutex(), quietLogger(), events);
const LEASE = { task: { name: 'test.task', maxAttempts: 3 }, leasedAt: performance.now() };
const submitTo = (writer: EndingWriter, run: FinishedRun) => writer.submit(run, LEASE);

describe('EndingWriter', () => {
  afterEach(() => jest.useRealTimers());

  it('emits the stored endings and releases, with their names, and nothing for a fenced one', async () => {
    const store = {
      finish: (runs: readonly FinishedRun[]) =>
        Promise.resolve(new Set(runs.map((run) => run.id).filter((id) => id !== 'fenced'))),
    } as unknown as TaskStore;
    const events = new TaskEvents();
    const seen: TaskEvent[] = [];
    events.subscribe((event) => seen.push(event));
    const writer = writerFor(store, events);
    const released: FinishedRun = { ...completed('back'), ending: { kind: 'released' } };
    const settled = await Promise.all(
      [completed('done'), completed('fenced'), released].map((run) => submitTo(writer, run)),
    );
    expect(settled).toEqual(['stored', 'fenced', 'stored']);
    const runs = seen.flatMap((event) =>
      event.kind === 'ended' || event.kind === 'released'
        ? event.runs.map((run) => ({
            kind: event.kind,
            id: run.id,
            name: run.name,
            maxAttempts: run.maxAttempts,
          }))
        : [],
    );
    expect(runs).toEqual([
      { kind: 'ended', id: 'done', name: 'test.task', maxAttempts: 3 },
      { kind: 'released', id: 'back', name: 'test.task', maxAttempts: 3 },
    ]);
  });

  it('writes an ending submitted the moment the previous batch was stored', async () => {
    const { store, batches } = scriptedStore();
    const writer = writerFor(store);
    // The second ending arrives while the writer is leaving its loop: it must start another write.
    const second = submitTo(writer, completed('a')).then(() => submitTo(writer, completed('b')));
    await expect(second).resolves.toBe('stored');
    expect(batches).toEqual([['a'], ['b']]);
  });

  it('writes endings that arrive during a write together in the next one', async () => {
    const { store, batches } = scriptedStore();
    const writer = writerFor(store);
    const all = ['a', 'b', 'c', 'd'].map((id) => submitTo(writer, completed(id)));
    await expect(Promise.all(all)).resolves.toEqual(['stored', 'stored', 'stored', 'stored']);
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('stores the others of a batch whose one ending the database refuses, and fails that task alone', async () => {
    // The database refuses any batch that holds the one result it cannot store, as jsonb refuses \u0000.
    const unstorable = '"\\u0000"';
    const { store, stored } = scriptedStore((runs) =>
      runs.some((run) => run.ending.kind === 'completed' && run.ending.resultJson === unstorable)
        ? refusedValue()
        : undefined,
    );
    const writer = writerFor(store);
    const first = submitTo(writer, completed('first')); // written alone, at once
    const rest = ['a', 'b', 'bad', 'c', 'd'].map((id) =>
      submitTo(writer, completed(id, id === 'bad' ? unstorable : 'null')),
    );

    await expect(first).resolves.toBe('stored');
    await expect(Promise.all(rest)).resolves.toEqual(['stored', 'stored', 'stored', 'stored', 'stored']);
    const bad = stored.find((run) => run.id === 'bad')!;
    expect(bad.ending).toMatchObject({ kind: 'failed' });
    expect(JSON.parse((bad.ending as { errorJson: string }).errorJson)).toMatchObject({
      code: 'ENDING_NOT_STORABLE',
    });
    expect(
      stored
        .filter((run) => run.ending.kind === 'completed')
        .map((run) => run.id)
        .sort(),
    ).toEqual(['a', 'b', 'c', 'd', 'first']);
  });

  it('retries a batch while the database is away, and stores each ending once when it is back', async () => {
    jest.useFakeTimers();
    const { store, stored, batches } = scriptedStore((_, call) => (call <= 4 ? connectionLost() : undefined));
    const writer = writerFor(store);
    const settled = Promise.all(['a', 'b'].map((id) => submitTo(writer, completed(id))));
    await jest.advanceTimersByTimeAsync(60_000);
    await expect(settled).resolves.toEqual(['stored', 'stored']);
    expect(stored.map((run) => run.id).sort()).toEqual(['a', 'b']);
    expect(batches.length).toBeGreaterThan(4);
  });

  it('gives up the endings it cannot store by the stop deadline, and says so', async () => {
    jest.useFakeTimers();
    const { store } = scriptedStore(() => connectionLost());
    const writer = writerFor(store);
    const settled = submitTo(writer, completed('a'));
    const stopped = writer.stop(Date.now() + 2_000);
    await jest.advanceTimersByTimeAsync(2_500);
    await expect(settled).resolves.toBe('given-up');
    await expect(stopped).resolves.toBeUndefined();
  });
});
