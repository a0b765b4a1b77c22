import { jest } from '@jest/globals';
import type { TaskProgress } from '../model/task-records.js';
import { applyProgressUpdate, ProgressReporter } from './progress-reporter.js';

const start: TaskProgress = { step: null, info: null, percent: 0 };

/** A save function that records what was written, like the store's fenced UPDATE would. */
function recorder(held = true, latencyMs = 0) {
  const writes: { at: number; progress: TaskProgress }[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const save = async (progress: TaskProgress) => {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    writes.push({ at: Date.now(), progress });
    if (latencyMs) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    concurrent--;
    return held;
  };
  return { save, writes, maxConcurrent: () => maxConcurrent };
}

describe('applyProgressUpdate', () => {
  it('clamps and rounds percent, keeps fields left out, cuts info to the column size', () => {
    expect(applyProgressUpdate(start, { percent: -5 }).percent).toBe(0);
    expect(applyProgressUpdate(start, { percent: 150 }).percent).toBe(100);
    expect(applyProgressUpdate(start, { percent: 33.6 }).percent).toBe(34);
    expect(applyProgressUpdate({ ...start, percent: 40 }, { percent: Number.NaN }).percent).toBe(40);
    expect(applyProgressUpdate({ step: 2, info: 'x', percent: 40 }, { info: 'y' })).toEqual({
      step: 2,
      info: 'y',
      percent: 40,
    });
    expect(applyProgressUpdate(start, { step: 2.7 }).step).toBe(2);
    expect(applyProgressUpdate(start, { info: 'é'.repeat(5000) }).info).toHaveLength(1000);
  });
});

describe('ProgressReporter', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('writes a step change at once', async () => {
    const { save, writes } = recorder();
    const reporter = new ProgressReporter(
      start,
      save,
      () => undefined,
      () => undefined,
    );
    reporter.report({ step: 1, info: 'counting' });
    await jest.advanceTimersByTimeAsync(0);
    reporter.report({ step: 2, info: 'writing' });
    await jest.advanceTimersByTimeAsync(0);
    expect(writes.map((w) => w.progress.step)).toEqual([1, 2]);
  });

  it('writes at most once per 250 ms however often it is called, and never drops the latest report', async () => {
    const { save, writes } = recorder();
    const reporter = new ProgressReporter(
      start,
      save,
      () => undefined,
      () => undefined,
    );
    reporter.report({ step: 1 });
    for (let row = 1; row <= 10_000; row++) {
      reporter.report({ percent: row / 100, info: `row ${row}` });
      if (row % 100 === 0) await jest.advanceTimersByTimeAsync(10); // 1 s in all
    }
    await jest.advanceTimersByTimeAsync(1_000);
    const gaps = writes.slice(1).map((w, i) => w.at - writes[i].at);
    expect(writes.length).toBeLessThanOrEqual(6);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(250);
    expect(writes.at(-1)!.progress).toEqual({ step: 1, info: 'row 10000', percent: 100 });
    expect(reporter.current).toEqual({ step: 1, info: 'row 10000', percent: 100 });
  });

  it('has one write in flight at a time', async () => {
    const { save, writes, maxConcurrent } = recorder(true, 400);
    const reporter = new ProgressReporter(
      start,
      save,
      () => undefined,
      () => undefined,
    );
    for (let step = 1; step <= 5; step++) {
      reporter.report({ step });
      await jest.advanceTimersByTimeAsync(50);
    }
    await jest.advanceTimersByTimeAsync(2_000);
    expect(maxConcurrent()).toBe(1);
    expect(writes.at(-1)!.progress.step).toBe(5);
  });

  it('stops and reports a lost lease when a write is fenced out', async () => {
    const { save, writes } = recorder(false);
    const lost = jest.fn();
    const reporter = new ProgressReporter(start, save, lost, () => undefined);
    reporter.report({ step: 1 });
    await jest.advanceTimersByTimeAsync(0);
    reporter.report({ step: 2 });
    await jest.advanceTimersByTimeAsync(1_000);
    expect(lost).toHaveBeenCalledTimes(1);
    expect(writes).toHaveLength(1);
  });

  it('keeps trying after a database error, at the write interval', async () => {
    let failures = 2;
    const writes: number[] = [];
    const save = (progress: TaskProgress) => {
      writes.push(progress.percent);
      return failures-- > 0 ? Promise.reject(new Error('connection reset')) : Promise.resolve(true);
    };
    const errors: unknown[] = [];
    const reporter = new ProgressReporter(
      start,
      save,
      () => undefined,
      (error) => errors.push(error),
    );
    reporter.report({ step: 1, percent: 10 });
    await jest.advanceTimersByTimeAsync(1_000);
    expect(errors).toHaveLength(2);
    expect(writes).toEqual([10, 10, 10]);
  });

  it('stops writing on close, after the write in flight', async () => {
    const { save, writes } = recorder(true, 100);
    const reporter = new ProgressReporter(
      start,
      save,
      () => undefined,
      () => undefined,
    );
    reporter.report({ step: 1 });
    reporter.report({ percent: 50 });
    const closed = reporter.close();
    await jest.advanceTimersByTimeAsync(1_000);
    await closed;
    expect(writes).toHaveLength(1);
    expect(reporter.current.percent).toBe(50);
  });
});
