import type { ClaimedTask } from '../model/task-records.js';
import fc from 'fast-check';
import { AUTO_PREFETCH_MAX, ClaimBuffer, claimLimit } from './claim-buffer.js';
import { ENDING_UNDER_WAY, type HeldLease } from './lease-keeper.js';

const lease = (id: string): HeldLease => ({
  task: { id, leaseOwner: 'w#1' } as ClaimedTask,
  holder: ENDING_UNDER_WAY,
  leasedAt: 0,
});

describe('ClaimBuffer', () => {
  it('goes through its modes as its comment lists them: accepting → paused → accepting → stopped', () => {
    const buffer = new ClaimBuffer(5, undefined, undefined, 1_000);
    expect(buffer.mode).toBe('accepting');
    expect(buffer.allowance(0)).toBe(5);
    const [a, b, c] = [lease('a'), lease('b'), lease('c')];
    buffer.add([a, b], 0);
    buffer.add([c], 600);
    // a and b waited past the hold time: they go back, and claiming ahead pauses.
    expect(buffer.takeExpired(1_001)).toEqual([a, b]);
    expect(buffer.mode).toBe('paused');
    expect(buffer.allowance(1_001)).toBe(0);
    expect(buffer.take(1_002)).toBe(c); // what is still here may start
    buffer.slotFreed();
    expect(buffer.mode).toBe('accepting');
    expect(buffer.allowance(1_002)).toBe(5);
    buffer.add([lease('d')], 1_003);
    expect(buffer.stop().map((held) => held.task.id)).toEqual(['d']);
    expect(buffer.mode).toBe('stopped');
    buffer.slotFreed();
    expect(buffer.mode).toBe('stopped'); // final
    expect(buffer.add([lease('e')])).toHaveLength(1); // refused, to be released
    expect(buffer.size).toBe(0);
  });

  it('removes a claim by identity: the same task claimed twice is two entries', () => {
    const buffer = new ClaimBuffer(5);
    const first = lease('same');
    const second = lease('same');
    buffer.add([first, second]);
    expect(buffer.remove(first)).toBe(true);
    expect(buffer.remove(first)).toBe(false);
    expect(buffer.take()).toBe(second);
  });

  it('with auto, lets half of the last second’s starts wait, growing with the pace and decaying when idle', () => {
    const buffer = new ClaimBuffer('auto', undefined, undefined, 1_000);
    expect(buffer.allowance(0)).toBe(0); // nothing started: claim for free slots only
    for (let i = 0; i < 40; i++) buffer.recordStart(10);
    expect(buffer.allowance(10)).toBe(20);
    for (let i = 0; i < 10_000; i++) buffer.recordStart(500);
    expect(buffer.allowance(500)).toBe(AUTO_PREFETCH_MAX);
    expect(buffer.allowance(1_050)).toBe(AUTO_PREFETCH_MAX); // the starts at 500 are still in the window
    expect(buffer.allowance(1_600)).toBe(0); // a second without starts: nothing held ahead
    buffer.recordStart(1_600);
    buffer.recordStart(1_600);
    expect(buffer.allowance(1_650)).toBe(1);
  });
});

describe('claimLimit', () => {
  it('never claims past the lease budget or BatchSize, and always claims for a free slot when there is room', () => {
    fc.assert(
      fc.property(
        fc.record({
          concurrency: fc.integer({ min: 1, max: 64 }),
          batchSize: fc.integer({ min: 1, max: 1000 }),
          allowance: fc.integer({ min: 0, max: 1000 }),
          freeSlots: fc.integer({ min: 0, max: 64 }),
          buffered: fc.integer({ min: 0, max: 1000 }),
          leasesPromised: fc.integer({ min: 0, max: 2000 }),
        }),
        (room) => {
          const limit = claimLimit(room);
          const budget = room.concurrency + room.allowance - room.leasesPromised;
          expect(limit).toBeGreaterThanOrEqual(0);
          expect(limit).toBeLessThanOrEqual(Math.max(0, Math.min(room.batchSize, budget)));
          if (budget > 0 && room.freeSlots > room.buffered) expect(limit).toBeGreaterThan(0);
          if (room.freeSlots <= room.buffered && room.allowance === 0) expect(limit).toBe(0);
        },
      ),
    );
  });
});
