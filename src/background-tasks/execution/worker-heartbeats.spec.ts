import { Logger } from '@nestjs/common';
import { jest } from '@jest/globals';
import type { WorkerHeartbeat } from '../model/task-records.js';
import type { TaskStore } from '../storage/task-store.js';
import {
  claimLoopStalled,
  MAX_REPORTED_RUNS,
  WorkerHeartbeats,
  workerHeartbeatIntervalMs,
  type WorkerSnapshot,
} from './worker-heartbeats.js';

const identity = {
  id: 'host:1:abc',
  host: 'host',
  pid: 1,
  role: 'worker',
  concurrency: 4,
  leaseDurationMs: 30_000,
  pollingDelayMs: 1_000,
};
const idle: WorkerSnapshot = {
  slotsInUse: 0,
  prefetched: 0,
  claims: true,
  lastClaimAt: undefined,
  running: [],
};

/** A store that records heartbeat writes and deletes, each write answering when `answer` lets it. */
function recordingStore() {
  const log: string[] = [];
  const written: WorkerHeartbeat[] = [];
  let answer: () => Promise<void> = () => Promise.resolve();
  const store = {
    reportWorker: async (beat: WorkerHeartbeat) => {
      log.push('write');
      written.push(beat);
      await answer();
    },
    forgetWorker: async (id: string) => {
      log.push(`forget ${id}`);
      await Promise.resolve();
    },
  } as unknown as TaskStore;
  return { store, log, written, answerWith: (next: () => Promise<void>) => (answer = next) };
}

describe('claimLoopStalled', () => {
  const startedAt = new Date(0);
  const at = (ms: number) => new Date(ms);

  it('is stalled once no claim round has answered for a lease duration with a slot free', () => {
    const lastClaimAt = at(10_000);
    expect(claimLoopStalled(identity, { ...idle, lastClaimAt }, startedAt, 40_000)).toBe(false);
    expect(claimLoopStalled(identity, { ...idle, lastClaimAt }, startedAt, 40_001)).toBe(true);
    // Before its first round, counted from its start.
    expect(claimLoopStalled(identity, idle, startedAt, 30_001)).toBe(true);
  });

  it('waits three polling delays when they are longer than the lease', () => {
    const slowPolling = { ...identity, leaseDurationMs: 1_000, pollingDelayMs: 5_000 };
    expect(claimLoopStalled(slowPolling, { ...idle, lastClaimAt: at(0) }, startedAt, 15_000)).toBe(false);
    expect(claimLoopStalled(slowPolling, { ...idle, lastClaimAt: at(0) }, startedAt, 15_001)).toBe(true);
  });

  it('is never stalled with every slot taken, or with nothing to claim', () => {
    const long = 10 * 60_000;
    expect(claimLoopStalled(identity, { ...idle, slotsInUse: 4 }, startedAt, long)).toBe(false);
    expect(claimLoopStalled(identity, { ...idle, claims: false }, startedAt, long)).toBe(false);
    expect(claimLoopStalled(identity, { ...idle, slotsInUse: 3 }, startedAt, long)).toBe(true);
  });
});

describe('WorkerHeartbeats', () => {
  afterEach(() => jest.useRealTimers());

  it('writes three times per lease, at least every 5 s', () => {
    expect(workerHeartbeatIntervalMs(3_000)).toBe(1_000);
    expect(workerHeartbeatIntervalMs(30_000)).toBe(5_000);
    expect(workerHeartbeatIntervalMs(60)).toBe(50);
  });

  it('writes what the worker holds at each beat, naming at most 100 running tasks', async () => {
    const { store, written } = recordingStore();
    const running = Array.from({ length: 150 }, (_, index) => ({ id: `t${index}`, name: 'test.sleep' }));
    const lastClaimAt = new Date();
    let snapshot: WorkerSnapshot = idle;
    const heartbeats = new WorkerHeartbeats(store, identity, () => snapshot, new Logger('test'));
    heartbeats.start();
    await heartbeats.beat(); // the first write, under way since the start
    snapshot = { slotsInUse: 4, prefetched: 2, claims: true, lastClaimAt, running };
    await heartbeats.beat();
    await heartbeats.stop();

    expect(written[0]).toMatchObject({ id: 'host:1:abc', role: 'worker', concurrency: 4, slotsInUse: 0 });
    expect(written[1]).toMatchObject({ slotsInUse: 4, prefetched: 2, lastClaimAt, stalled: false });
    expect(written[1].running).toHaveLength(MAX_REPORTED_RUNS);
    expect(written[1].running[0]).toEqual({ id: 't0', name: 'test.sleep' });
  });

  it('skips a beat while the last write is unanswered, and writes nothing after its stop deletes the row', async () => {
    jest.useFakeTimers();
    const { store, log, answerWith } = recordingStore();
    const heartbeats = new WorkerHeartbeats(store, identity, () => idle, new Logger('test'));
    heartbeats.start();
    await heartbeats.beat(); // the first write, under way since the start
    let answer!: () => void;
    answerWith(() => new Promise<void>((resolve) => (answer = resolve)));
    await jest.advanceTimersByTimeAsync(5_000); // a write, unanswered
    await jest.advanceTimersByTimeAsync(15_000); // three beats more come and are skipped
    expect(log).toEqual(['write', 'write']);

    const stopped = heartbeats.stop();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(log).toEqual(['write', 'write']); // the stop waits for the write under way
    answer();
    await stopped;
    await jest.advanceTimersByTimeAsync(20_000);
    expect(log).toEqual(['write', 'write', 'forget host:1:abc']);
  });

  it('keeps beating when writes fail, with one warning until one succeeds again', async () => {
    const { store, log, answerWith } = recordingStore();
    const logger = new Logger('test');
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const heartbeats = new WorkerHeartbeats(store, identity, () => idle, logger);
    answerWith(() => Promise.reject(new Error('database away')));
    heartbeats.start();
    await heartbeats.beat(); // the first write, under way since the start
    await heartbeats.beat();
    await heartbeats.beat();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain('database away');

    answerWith(() => Promise.resolve());
    await heartbeats.beat();
    answerWith(() => Promise.reject(new Error('away again')));
    await heartbeats.beat();
    expect(warn).toHaveBeenCalledTimes(2);
    await heartbeats.stop();
    expect(log).toHaveLength(6); // five writes, then the delete
  });
});
