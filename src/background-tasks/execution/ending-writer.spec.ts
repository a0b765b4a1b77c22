import { Logger } from '@nestjs/common';
import { TaskChanges } from '../events/task-changes.js';
import type { FinishedRun } from '../storage/task-records.js';
import type { TaskStore } from '../storage/task-store.js';
import { Mutex } from '../../shared/mutex.js';
import { EndingWriter } from './ending-writer.js';

const completed = (id: string): FinishedRun => ({
  id,
  leaseOwner: 'w#1',
  ending: { kind: 'completed', result: null },
  progress: { step: null, info: null, percent: 100 },
});

/** A store that records the batches of endings it is given and reports every lease as still held. */
function recordingStore() {
  const batches: string[][] = [];
  const store = {
    finish: (runs: readonly FinishedRun[]) => {
      batches.push(runs.map((run) => run.id));
      return Promise.resolve(new Set(runs.map((run) => run.id)));
    },
  } as unknown as TaskStore;
  return { store, batches };
}

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms)),
  ]);

describe('EndingWriter', () => {
  it('writes an ending submitted the moment the previous batch was stored', async () => {
    const { store, batches } = recordingStore();
    const writer = new EndingWriter(store, new Mutex(), new Logger('test'), new TaskChanges());
    // The second ending arrives while the writer is leaving its loop: it must start another write.
    const second = writer.submit(completed('a')).then(() => writer.submit(completed('b')));
    await expect(within(second, 1_000)).resolves.toBe(true);
    expect(batches).toEqual([['a'], ['b']]);
  });

  it('writes endings that arrive during a write together in the next one', async () => {
    const { store, batches } = recordingStore();
    const writer = new EndingWriter(store, new Mutex(), new Logger('test'), new TaskChanges());
    const all = ['a', 'b', 'c', 'd'].map((id) => writer.submit(completed(id)));
    await expect(Promise.all(all)).resolves.toEqual([true, true, true, true]);
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
  });
});
