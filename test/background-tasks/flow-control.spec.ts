import type { INestApplication } from '@nestjs/common';
import type { FlowClaimRequest } from '../../src/background-tasks/flow/flow-claim.js';
import type { FlowPolicy } from '../../src/background-tasks/flow/flow-policy.js';
import type { ClaimedTask, NewTaskRow } from '../../src/background-tasks/model/task-records.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { InMemoryTaskStore } from '../support/in-memory-task-store.js';
import { newTaskRow } from '../support/task-rows.js';
import { createTestApp } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';

/**
 * Flow control at the store: limits, fairness, rate windows and pauses, each checked on every engine (and
 * on the in-memory store the worker's model test uses), with two stores on their own connections claiming
 * against each other as two instances would. Time is moved by writing lease expiries and by the claim's
 * `at` (the rate window's clock), never by sleeping.
 */
interface Harness {
  /** Two stores on one database, as two instances have. */
  readonly stores: [TaskStore, TaskStore];
  expireLease(id: string): Promise<void>;
  close(): Promise<void>;
}

async function harnessFor(engine: 'memory' | (typeof TEST_ENGINES)[number]): Promise<Harness> {
  const pastIso = () => new Date(Date.now() - 60_000).toISOString();
  if (engine === 'memory') {
    const store = new InMemoryTaskStore();
    return {
      stores: [store, store],
      expireLease: (id) => {
        store.rows.get(id)!.leaseExpiresAt = Date.parse(pastIso());
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    };
  }
  const db = await TestDatabase.create(engine);
  const apps: INestApplication[] = [];
  for (let i = 0; i < 2; i++) apps.push(await createTestApp(db, { env: { APP_ROLE: 'api' } }));
  return {
    stores: [apps[0].get(TaskStore), apps[1].get(TaskStore)],
    expireLease: async (id) => {
      await db.sql(`UPDATE ${db.table('background_tasks')} SET lease_expires_at = ? WHERE id = ?`, [
        pastIso(),
        id,
      ]);
    },
    close: async () => {
      await Promise.all(apps.map((app) => app.close()));
      await db.dispose();
    },
  };
}

const T0 = new Date('2030-01-01T00:00:00.000Z');
const progress = { step: null, info: null, percent: 100 };

describe.each(['memory', ...TEST_ENGINES] as const)('flow control [%s]', (engine) => {
  let harness: Harness;
  let round = 0;
  /** A task name of its own per test: each test's tasks and queue row are its own. */
  let name: string;

  beforeAll(async () => {
    harness = await harnessFor(engine);
  });

  afterAll(async () => {
    await harness?.close();
  });

  beforeEach(() => {
    name = `test.flow-${++round}`;
  });

  const [first] = [0];
  const store = (index = first) => harness.stores[index];
  const enqueue = async (count: number, overrides: Partial<NewTaskRow> = {}) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await store().enqueue(newTaskRow(name, overrides))).id);
    return ids;
  };
  const claimFlow = (policy: Partial<FlowPolicy>, limit = 10, index = 0, at?: Date) => {
    const request: FlowClaimRequest = {
      leaseOwner: `worker-${index}#${++round}`,
      leaseDurationMs: 60_000,
      names: [name],
      name,
      policy: { fairness: 'fifo', ...policy },
      limit,
      at,
    };
    return store(index).claimFlow(request);
  };
  const complete = (task: ClaimedTask) =>
    store().finish([
      {
        id: task.id,
        leaseOwner: task.leaseOwner,
        attempt: task.attempts,
        progress,
        ending: { kind: 'completed', resultJson: 'null' },
      },
    ]);
  const keyOf = new Map<string, string>();
  const enqueueKeyed = async (key: string, count: number) => {
    for (const id of await enqueue(count, { concurrencyKey: key })) keyOf.set(id, key);
  };

  it("never admits more than a name's concurrency, however many claims race for it", async () => {
    await enqueue(10);
    const policy = { concurrency: 4 };
    const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => claimFlow(policy, 3, i % 2)));
    const claimed = claims.flat();
    expect(claimed).toHaveLength(4);
    expect(new Set(claimed.map((task) => task.id)).size).toBe(4);
    expect(await claimFlow(policy)).toEqual([]);
    // A stored ending gives its place back.
    await complete(claimed[0]);
    expect(await claimFlow(policy, 10, 1)).toHaveLength(1);
  });

  it('never admits more than concurrencyPerKey of one key, and passes over a key at its limit', async () => {
    await enqueueKeyed('a', 3);
    await enqueueKeyed('b', 3);
    await enqueueKeyed('c', 1);
    // Each task's view shows its key (the task page's "Flow").
    const views = await store().findViews([...keyOf.keys()]);
    expect(new Map(views.map((view) => [view.id, view.concurrencyKey]))).toEqual(keyOf);
    const policy = { concurrencyPerKey: 1 };
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => claimFlow(policy, 5, i % 2)));
    const keys = claims.flat().map((task) => keyOf.get(task.id));
    expect(keys.sort()).toEqual(['a', 'b', 'c']);
    expect(await claimFlow(policy)).toEqual([]);
  });

  it('gives the waiting tasks of a kind that went by key the key of none, and counts them as one key', async () => {
    await enqueue(3); // enqueued before the kind declared concurrencyPerKey: no key at all
    const policy = { concurrencyPerKey: 1 };
    expect(await claimFlow(policy)).toEqual([]); // its keyed claim reads keyed tasks only
    expect(await store().adoptUnkeyedTasks(name)).toBe(3);
    expect(await claimFlow(policy)).toHaveLength(1);
    await enqueue(1, { concurrencyKey: '' }); // one enqueued since, with the key of none
    expect(await claimFlow(policy, 10, 1)).toEqual([]); // one of the key '' runs already
  });

  it("frees a crashed holder's place when its lease expires and is recovered", async () => {
    await enqueue(2);
    const policy = { concurrency: 1 };
    const [held] = await claimFlow(policy);
    expect(await claimFlow(policy, 10, 1)).toEqual([]);
    await harness.expireLease(held.id); // its worker died
    expect(await claimFlow(policy, 10, 1)).toEqual([]); // expired, but still processing until recovered
    expect(await store(1).recoverExpiredLeases()).toBeGreaterThanOrEqual(1);
    const [next] = await claimFlow(policy, 10, 1);
    expect(next).toBeDefined();
    expect((await store().findById(held.id))?.status).toBe(next.id === held.id ? 'processing' : 'enqueued');
  });

  it('starts at most rateLimit.max in any window, across instances, by the clock it is given', async () => {
    await enqueue(10);
    const policy = { rateLimit: { max: 3, perMs: 60_000, scope: 'name' as const } };
    expect(await claimFlow(policy, 10, 0, T0)).toHaveLength(3);
    expect(await claimFlow(policy, 10, 1, new Date(T0.getTime() + 30_000))).toEqual([]);
    expect(await claimFlow(policy, 10, 0, new Date(T0.getTime() + 59_999))).toEqual([]);
    // The first three starts leave the window 60 s after they were made.
    expect(await claimFlow(policy, 10, 1, new Date(T0.getTime() + 60_000))).toHaveLength(3);
    expect(await claimFlow(policy, 10, 0, new Date(T0.getTime() + 60_001))).toEqual([]);
    expect(await claimFlow(policy, 2, 0, new Date(T0.getTime() + 120_000))).toHaveLength(2);
    expect(await claimFlow(policy, 10, 1, new Date(T0.getTime() + 120_001))).toHaveLength(1);
  });

  it('counts a rate limit by key on its own for each key', async () => {
    await enqueueKeyed('a', 4);
    await enqueueKeyed('b', 4);
    const policy = { rateLimit: { max: 2, perMs: 1_000, scope: 'key' as const } };
    const firstRound = await claimFlow(policy, 10, 0, T0);
    expect(firstRound.map((task) => keyOf.get(task.id)).sort()).toEqual(['a', 'a', 'b', 'b']);
    expect(await claimFlow(policy, 10, 1, new Date(T0.getTime() + 999))).toEqual([]);
    expect(await claimFlow(policy, 10, 1, new Date(T0.getTime() + 1_000))).toHaveLength(4);
  });

  it("fairness 'key': a key's backlog does not hold back another key's first tasks; fifo takes by age", async () => {
    await enqueueKeyed('a', 20);
    await enqueueKeyed('b', 2);
    const fair = await claimFlow({ fairness: 'key' }, 4);
    expect(fair.map((task) => keyOf.get(task.id)).sort()).toEqual(['a', 'a', 'b', 'b']);
    const fifo = await claimFlow({ fairness: 'fifo', concurrencyPerKey: 100 }, 4, 1);
    expect(fifo.map((task) => keyOf.get(task.id))).toEqual(['a', 'a', 'a', 'a']);
  });

  it("fairness 'key': successive rounds go on after the key the last one ended on", async () => {
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5']) await enqueueKeyed(key, 2);
    const keysOf = async () =>
      (await claimFlow({ fairness: 'key' }, 2)).map((task) => keyOf.get(task.id)).sort();
    expect(await keysOf()).toEqual(['k1', 'k2']);
    expect(await keysOf()).toEqual(['k3', 'k4']);
    expect(await keysOf()).toEqual(['k1', 'k5']);
  });

  it('a paused name is claimed by no claim and handed over by no insert; enqueues still succeed', async () => {
    await enqueue(2);
    await store().setPaused(name, true, 'alice');
    const lease = { leaseOwner: `worker-0#${++round}`, leaseDurationMs: 60_000, names: [name] };
    expect(await store(1).claim({ ...lease, limit: 10 })).toEqual([]);
    expect(await claimFlow({ concurrency: 5 }, 10, 1)).toEqual([]);
    if (store().handsOver) {
      const handed = await store().enqueueClaimed(newTaskRow(name), lease);
      expect(handed.created).toBe(true);
      expect(handed.claimed).toBeUndefined();
    } else {
      await enqueue(1);
    }
    const [state] = (await store(1).queueStates()).filter((queue) => queue.name === name);
    expect(state).toMatchObject({ name, paused: true, pausedBy: 'alice' });
    expect(state.pausedAt).toBeInstanceOf(Date);

    await store(1).setPaused(name, false, 'alice');
    expect(await store().claim({ ...lease, leaseOwner: `worker-0#${++round}`, limit: 10 })).toHaveLength(3);
    const counts = (await store().countsByName()).filter((count) => count.name === name);
    expect(counts).toEqual([{ name, status: 'processing', count: 3 }]);
    expect((await store().queueStates()).find((queue) => queue.name === name)).toMatchObject({
      paused: false,
      pausedAt: null,
      pausedBy: null,
    });
    // Asked for one name, both reads answer for that name only (the pause and resume commands do).
    await store().setPaused(`${name}.other`, true, 'bob');
    await store().enqueue(newTaskRow(`${name}.other`));
    expect(await store().countsByName(name)).toEqual(counts);
    expect((await store().queueStates(name)).map((queue) => queue.name)).toEqual([name]);
    expect(await store().countsByName(`${name}.other`)).toEqual([
      { name: `${name}.other`, status: 'enqueued', count: 1 },
    ]);
  });
});
