import { queueOrder, type ClaimedTask } from '../model/task-records.js';

const task = (id: string, priority: number, runAfter: string) =>
  ({ id, priority, runAfter: new Date(runAfter) }) as ClaimedTask;

describe('queueOrder', () => {
  it('puts higher priority first, then the earlier runAfter, then the lower id', () => {
    const claimed = [
      task('b', 0, '2026-01-01T00:00:01Z'),
      task('c', 0, '2026-01-01T00:00:00Z'),
      task('d', 5, '2026-01-01T00:00:09Z'),
      task('a', 0, '2026-01-01T00:00:00Z'),
    ];
    expect(claimed.sort(queueOrder).map((t) => t.id)).toEqual(['d', 'a', 'c', 'b']);
  });
});
