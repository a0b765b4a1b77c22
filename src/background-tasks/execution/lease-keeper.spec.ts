import { Logger } from '@nestjs/common';
import { jest } from '@jest/globals';
import { Mutex } from '../../shared/mutex.js';
import type { ClaimedTask, LeaseRenewal } from '../model/task-records.js';
import type { TaskStore } from '../storage/task-store.js';
import { LeaseKeeper, type LeaseHolder } from './lease-keeper.js';

const task = (id: string, leaseOwner: string) => ({ id, leaseOwner }) as ClaimedTask;

function recordingHolder() {
  const events: string[] = [];
  const holder: LeaseHolder = {
    leaseLost: () => events.push('lost'),
    cancelRequested: () => events.push('cancel'),
  };
  return { holder, events };
}

/** A store whose renewal answers what `answer` says, after `gate` opens. */
function renewingStore(answer: () => LeaseRenewal[], gate: Promise<void> = Promise.resolve()) {
  const calls: string[][] = [];
  const store = {
    renewLeases: async (owners: readonly string[]) => {
      calls.push([...owners]);
      await gate;
      return answer();
    },
  } as unknown as TaskStore;
  return { store, calls };
}

describe('LeaseKeeper', () => {
  it('tells each holder what the renewal found: lost, cancellation requested, or nothing', async () => {
    const { store, calls } = renewingStore(() => [
      { id: 'kept', leaseOwner: 'w#1', cancelRequested: false },
      { id: 'cancelled', leaseOwner: 'w#2', cancelRequested: true },
    ]);
    const keeper = new LeaseKeeper(store, new Mutex(), 30_000, new Logger('test'));
    const [kept, cancelled, lost] = [recordingHolder(), recordingHolder(), recordingHolder()];
    keeper.track(task('kept', 'w#1'), kept.holder);
    keeper.track(task('cancelled', 'w#2'), cancelled.holder);
    keeper.track(task('lost', 'w#1'), lost.holder);
    keeper.renew();
    await keeper.settle();
    expect(calls).toEqual([['w#1', 'w#2']]);
    expect([kept.events, cancelled.events, lost.events]).toEqual([[], ['cancel'], ['lost']]);
    expect(keeper.size).toBe(2); // a lost lease is no longer held
  });

  it('does not report a lease released while its renewal was under way, nor one the answer has under another claim', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { store } = renewingStore(() => [{ id: 'twice', leaseOwner: 'w#2', cancelRequested: false }], gate);
    const keeper = new LeaseKeeper(store, new Mutex(), 30_000, new Logger('test'));
    const released = recordingHolder();
    const oldClaim = recordingHolder();
    const newClaim = recordingHolder();
    const releasedLease = keeper.track(task('done', 'w#1'), released.holder);
    keeper.track(task('twice', 'w#1'), oldClaim.holder);
    keeper.track(task('twice', 'w#2'), newClaim.holder);
    keeper.renew();
    await Promise.resolve();
    keeper.release(releasedLease); // its ending was stored meanwhile
    open();
    await keeper.settle();
    expect([released.events, oldClaim.events, newClaim.events]).toEqual([[], ['lost'], []]);
  });

  it('sends one renewal at a time, and survives one that fails', async () => {
    const logger = new Logger('test');
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { store, calls } = renewingStore(() => {
      throw new Error('connection lost');
    }, gate);
    const keeper = new LeaseKeeper(store, new Mutex(), 30_000, logger);
    const holder = recordingHolder();
    keeper.track(task('a', 'w#1'), holder.holder);
    keeper.renew();
    keeper.renew(); // skipped: one is under way
    await Promise.resolve();
    open();
    await keeper.settle();
    expect(calls).toHaveLength(1);
    expect(holder.events).toEqual([]); // a failed renewal proves nothing lost
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/Lease renewal failed: connection lost/));
  });
});
