import { jest } from '@jest/globals';
import { QueueWakeSignal } from './queue-wake-signal.js';

/** Settled-or-not, read without waiting: resolves true if the promise settled in the microtasks so far. */
async function settledNow(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await jest.advanceTimersByTimeAsync(0);
  return settled;
}

describe('QueueWakeSignal', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('wakes a waiting loop at once', async () => {
    const signal = new QueueWakeSignal();
    const waiting = signal.wait(5_000);
    await jest.advanceTimersByTimeAsync(10);
    expect(await settledNow(waiting)).toBe(false);
    signal.notify();
    expect(await settledNow(waiting)).toBe(true); // long before its 5 s timeout
  });

  it('keeps a signal sent while nobody waits, so that no wake-up is lost between two waits', async () => {
    const signal = new QueueWakeSignal();
    signal.notify();
    expect(await settledNow(signal.wait(5_000))).toBe(true);
    expect(await settledNow(signal.wait(5_000))).toBe(false); // one signal, one wake-up
  });

  it('times out when nothing happens', async () => {
    const signal = new QueueWakeSignal();
    const waiting = signal.wait(100);
    await jest.advanceTimersByTimeAsync(99);
    expect(await settledNow(waiting)).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(await settledNow(waiting)).toBe(true);
  });
});
