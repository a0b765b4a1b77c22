import fc from 'fast-check';
import {
  candidateOrder,
  keyRoom,
  nameRoom,
  selectClaims,
  type ClaimCandidate,
  type FlowState,
} from './claim-selection.js';
import { flowPolicyOf, type FlowPolicy } from './flow-policy.js';

const KEYS = ['a', 'b', 'c', 'd'];

/** A queue of waiting tasks over a few keys, with priorities and due times that collide often. */
const candidatesArb = fc
  .array(
    fc.record({
      key: fc.constantFrom(...KEYS),
      priority: fc.integer({ min: 0, max: 2 }),
      runAfterMs: fc.integer({ min: 0, max: 3 }),
    }),
    { maxLength: 40 },
  )
  .map((tasks) =>
    tasks.map((task, index): ClaimCandidate => ({
      ...task,
      id: `t${index}`,
      order: String(index).padStart(3, '0'),
    })),
  );

const policyArb: fc.Arbitrary<FlowPolicy> = fc
  .record({
    concurrency: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
    concurrencyPerKey: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    fairness: fc.constantFrom('fifo' as const, 'key' as const),
    rateLimit: fc.option(
      fc.record({
        max: fc.integer({ min: 1, max: 6 }),
        per: fc.constant(60_000),
        scope: fc.constantFrom('name' as const, 'key' as const),
      }),
      { nil: undefined },
    ),
  })
  .map((options) => flowPolicyOf('test.flow', options) ?? { fairness: 'fifo' });

interface StateInput {
  readonly policy: FlowPolicy;
  readonly limit: number;
  readonly prefetch: number;
  readonly running: Record<string, number>;
  readonly startsByKey: Record<string, number>;
}

const stateArb: fc.Arbitrary<StateInput> = fc.record({
  policy: policyArb,
  limit: fc.integer({ min: 0, max: 12 }),
  prefetch: fc.integer({ min: 0, max: 12 }),
  running: fc.dictionary(fc.constantFrom(...KEYS), fc.integer({ min: 0, max: 4 })),
  startsByKey: fc.dictionary(fc.constantFrom(...KEYS), fc.integer({ min: 0, max: 6 })),
});

function stateOf(input: StateInput): FlowState {
  const runningByKey = new Map(Object.entries(input.running));
  const byKey = new Map(Object.entries(input.startsByKey));
  const name = [...byKey.values()].reduce((sum, count) => sum + count, 0);
  const { policy, limit, prefetch } = input;
  return { policy, limit, prefetch, runningByKey, recentStarts: { name, byKey } };
}

/** The candidates grouped by key, each group in queue order, as the stores hand them over. */
const groupsOf = (candidates: ClaimCandidate[]) =>
  KEYS.map((key) => candidates.filter((candidate) => candidate.key === key).sort(candidateOrder));

describe('selectClaims', () => {
  it('never takes more than the name or any key has room for, nor a task twice', () => {
    fc.assert(
      fc.property(stateArb, candidatesArb, (input, candidates) => {
        const state = stateOf(input);
        const { ids } = selectClaims(state, groupsOf(candidates));
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.length).toBeLessThanOrEqual(nameRoom(state));
        const byId = new Map(candidates.map((candidate) => [candidate.id, candidate]));
        for (const key of KEYS) {
          const taken = ids.filter((id) => byId.get(id)!.key === key).length;
          expect(taken).toBeLessThanOrEqual(keyRoom(state, key));
        }
        // With every limit applied to what runs, nothing ever runs past one: the guarantee itself.
        const { concurrency, concurrencyPerKey } = state.policy;
        const runningTotal = [...state.runningByKey.values()].reduce((sum, count) => sum + count, 0);
        if (concurrency !== undefined) {
          expect(ids.length + runningTotal).toBeLessThanOrEqual(Math.max(concurrency, runningTotal));
        }
        if (concurrencyPerKey !== undefined) {
          for (const key of KEYS) {
            const after =
              (state.runningByKey.get(key) ?? 0) + ids.filter((id) => byId.get(id)!.key === key).length;
            expect(after).toBeLessThanOrEqual(Math.max(concurrencyPerKey, state.runningByKey.get(key) ?? 0));
          }
        }
      }),
    );
  });

  it('claims ahead of its free slots out of the upper half of a limit only, never its last places', () => {
    fc.assert(
      fc.property(stateArb, candidatesArb, (input, candidates) => {
        const state = stateOf(input);
        const { ids } = selectClaims(state, groupsOf(candidates));
        expect(ids.length).toBeLessThanOrEqual(state.limit + state.prefetch);
        const { concurrency } = state.policy;
        if (concurrency === undefined) return;
        const places = concurrency - [...state.runningByKey.values()].reduce((sum, count) => sum + count, 0);
        const ahead = Math.max(0, ids.length - state.limit); // taken beyond what the worker starts now
        if (ahead > 0) expect(places - ids.length).toBeGreaterThanOrEqual(ahead);
        if (state.limit === 0 && places === 1) expect(ids).toEqual([]);
      }),
    );
  });

  it('leaves room unused only when no candidate left has room (work-conserving)', () => {
    fc.assert(
      fc.property(stateArb, candidatesArb, (input, candidates) => {
        const state = stateOf(input);
        const { ids } = selectClaims(state, groupsOf(candidates));
        if (ids.length === nameRoom(state)) return;
        const chosen = new Set(ids);
        const byId = new Map(candidates.map((candidate) => [candidate.id, candidate]));
        for (const candidate of candidates.filter((candidate) => !chosen.has(candidate.id))) {
          const taken = ids.filter((id) => byId.get(id)!.key === candidate.key).length;
          expect(taken).toBe(keyRoom(state, candidate.key));
        }
      }),
    );
  });

  it('fifo: takes the first tasks in queue order whose key has room, passing over keys at their limit', () => {
    fc.assert(
      fc.property(stateArb, candidatesArb, (input, candidates) => {
        const state = stateOf({ ...input, policy: { ...input.policy, fairness: 'fifo' } });
        const { ids } = selectClaims(state, groupsOf(candidates));
        const taken = new Map<string, number>();
        const expected: string[] = [];
        for (const candidate of [...candidates].sort(candidateOrder)) {
          if (expected.length === nameRoom(state)) break;
          const count = taken.get(candidate.key) ?? 0;
          if (count >= keyRoom(state, candidate.key)) continue;
          taken.set(candidate.key, count + 1);
          expected.push(candidate.id);
        }
        expect(ids).toEqual(expected);
      }),
    );
  });

  it('key: round-robin, so that the counts per key differ by at most one among keys that could take more', () => {
    fc.assert(
      fc.property(stateArb, candidatesArb, (input, candidates) => {
        const state = stateOf({ ...input, policy: { ...input.policy, fairness: 'key' } });
        const groups = groupsOf(candidates);
        const { ids } = selectClaims(state, groups);
        const byId = new Map(candidates.map((candidate) => [candidate.id, candidate]));
        const counts = KEYS.map((key) => ids.filter((id) => byId.get(id)!.key === key).length);
        // A key that was left with candidates and room got at least as many as any other, minus one.
        const most = Math.max(...counts);
        KEYS.forEach((key, index) => {
          const couldTakeMore = groups[index].length > counts[index] && counts[index] < keyRoom(state, key);
          if (couldTakeMore) expect(counts[index]).toBeGreaterThanOrEqual(most - 1);
        });
        // Within a key, the tasks taken are its first ones in queue order.
        KEYS.forEach((key, index) => {
          expect(ids.filter((id) => byId.get(id)!.key === key)).toEqual(
            groups[index].slice(0, counts[index]).map((candidate) => candidate.id),
          );
        });
      }),
    );
  });

  it("key: one key's long backlog does not delay another key's first task", () => {
    const backlog = Array.from({ length: 50 }, (_, i): ClaimCandidate => ({
      id: `a${i}`,
      key: 'a',
      priority: 0,
      runAfterMs: i,
      order: `a${i}`,
    }));
    const newcomer: ClaimCandidate = { id: 'b0', key: 'b', priority: 0, runAfterMs: 100, order: 'b0' };
    const state = (fairness: 'fifo' | 'key'): FlowState => ({
      policy: { fairness },
      limit: 10,
      prefetch: 0,
      runningByKey: new Map(),
      recentStarts: { name: 0, byKey: new Map() },
    });
    expect(selectClaims(state('key'), [backlog, [newcomer]]).ids).toContain('b0');
    expect(selectClaims(state('fifo'), [backlog, [newcomer]]).ids).not.toContain('b0');
  });
});

describe('flowPolicyOf', () => {
  it('is undefined without flow-control options, so that such tasks keep the plain claim', () => {
    expect(flowPolicyOf('t', {})).toBeUndefined();
    expect(flowPolicyOf('t', { fairness: 'fifo' })).toBeUndefined();
  });

  it('reads durations and defaults', () => {
    expect(flowPolicyOf('t', { rateLimit: { max: 100, per: '1m' } })).toEqual({
      fairness: 'fifo',
      rateLimit: { max: 100, perMs: 60_000, scope: 'name' },
      concurrency: undefined,
      concurrencyPerKey: undefined,
    });
  });

  it.each([
    [{ concurrency: 0 }, 'concurrency'],
    [{ concurrencyPerKey: 1.5 }, 'concurrencyPerKey'],
    [{ rateLimit: { max: 10, per: 'soon' } }, 'rateLimit.per'],
    [{ rateLimit: { max: -1, per: '1s' } }, 'rateLimit.max'],
    [{ fairness: 'random' as 'key' }, 'fairness'],
  ])('refuses %j, naming %s', (options, option) => {
    expect(() => flowPolicyOf('cms.export', options)).toThrow(
      new RegExp(`"cms.export".*${option.replace('.', '\\.')}`),
    );
  });
});
