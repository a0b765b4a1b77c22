import fc from 'fast-check';
import type { ClaimedTask } from '../model/task-records.js';
import { candidateOrder, selectClaims, type ClaimCandidate } from './claim-selection.js';
import { runFlowClaimSync, type FlowClaimSteps } from './flow-claim.js';
import type { FlowPolicy } from './flow-policy.js';

const KEYS = ['a', 'b', 'c', 'd', 'e', 'f'];

/** Steps over a fixed set of waiting tasks, nothing running: what flowClaim reads, as a store would answer. */
function stepsOver(waiting: readonly ClaimCandidate[]): FlowClaimSteps & { reads: number } {
  const inOrder = [...waiting].sort(candidateOrder);
  const steps = {
    reads: 0,
    lock: () => ({ paused: false, fairCursor: null, now: new Date(0) }),
    running: () => new Map<string, number>(),
    keys: (_: string, after: string | null, count: number) =>
      [...new Set(inOrder.map((task) => task.key))]
        .sort()
        .filter((key) => after === null || key > after)
        .slice(0, count),
    startsSince: () => new Map<string, number>(),
    candidates: (_: string, takes: readonly { key: string; take: number }[] | { any: number }) => {
      steps.reads++;
      if ('any' in takes) return inOrder.slice(0, takes.any);
      return takes.flatMap(({ key, take }) => inOrder.filter((task) => task.key === key).slice(0, take));
    },
    claim: (ids: readonly string[]) => ids.map((id) => ({ id }) as ClaimedTask),
    recordStarts: () => undefined,
    saveCursor: () => undefined,
  };
  return steps;
}

describe('flowClaim', () => {
  it('chooses what reading every candidate of every key would, reading them a share at a time', () => {
    const waitingArb = fc
      .array(fc.record({ key: fc.constantFrom(...KEYS), priority: fc.integer({ min: 0, max: 1 }) }), {
        maxLength: 120,
      })
      .map((tasks) =>
        tasks.map((task, index): ClaimCandidate => ({
          ...task,
          id: `t${String(index).padStart(3, '0')}`,
          runAfterMs: index,
          order: String(index).padStart(3, '0'),
        })),
      );
    const policyArb = fc.record({
      fairness: fc.constantFrom('fifo' as const, 'key' as const),
      concurrencyPerKey: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(waitingArb, policyArb, fc.integer({ min: 1, max: 60 }), (waiting, options, limit) => {
        const policy: FlowPolicy = {
          ...options,
          fairness: options.concurrencyPerKey ? options.fairness : 'key',
        };
        const steps = stepsOver(waiting);
        const claimed = runFlowClaimSync(
          { name: 'n', policy, limit, leaseOwner: 'w#1', leaseDurationMs: 1, names: [] },
          steps,
        ).map((task) => task.id);
        const everyCandidate = KEYS.map((key) =>
          waiting.filter((task) => task.key === key).sort(candidateOrder),
        );
        const state = {
          policy,
          limit,
          prefetch: 0,
          runningByKey: new Map<string, number>(),
          recentStarts: { name: 0, byKey: new Map<string, number>() },
        };
        expect(claimed).toEqual(
          selectClaims(
            state,
            everyCandidate.filter((group) => group.length > 0),
          ).ids,
        );
      }),
    );
  });
});
