import { QueueWakeSignal } from './queue-wake-signal.js';

describe('QueueWakeSignal', () => {
  it('wakes a waiting loop at once', async () => {
    const signal = new QueueWakeSignal();
    const started = Date.now();
    const waiting = signal.wait(5_000);
    setTimeout(() => signal.notify(), 10);
    await waiting;
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('keeps a signal sent while nobody waits, so that no wake-up is lost between two waits', async () => {
    const signal = new QueueWakeSignal();
    signal.notify();
    const started = Date.now();
    await signal.wait(5_000);
    expect(Date.now() - started).toBeLessThan(50);
  });

  it('times out when nothing happens', async () => {
    const signal = new QueueWakeSignal();
    const started = Date.now();
    await signal.wait(100);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });
});
