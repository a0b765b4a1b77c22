import fc from 'fast-check';
import { WorkerSlots, type SlotRelease } from './worker-slots.js';

describe('WorkerSlots', () => {
  it('never hands out more slots than it has, and a release gives back exactly one, however often it is called', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.oneof(fc.constant('acquire' as const), fc.nat({ max: 9 })), { maxLength: 60 }),
        (capacity, steps) => {
          const slots = new WorkerSlots(capacity);
          const held: SlotRelease[] = [];
          let expected = 0;
          for (const step of steps) {
            if (step === 'acquire') {
              const release = slots.tryAcquire();
              expect(release === undefined).toBe(expected === capacity);
              if (release) {
                held.push(release);
                expected++;
              }
            } else if (held.length > 0) {
              // Release one slot twice: the second call must not free another.
              const release = held.splice(step % held.length, 1)[0];
              release();
              release();
              expected--;
            }
            expect(slots.inUse).toBe(expected);
            expect(slots.free).toBe(capacity - expected);
          }
        },
      ),
    );
  });
});
