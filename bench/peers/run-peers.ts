/**
 * `npm run bench:peers`: the peer queues through the same harness, scenarios and PostgreSQL as this
 * project, one after another, each module loaded by URL so that worker processes can load it too.
 */
import { describeMachine } from '../harness/machine.js';
import { benchmarkQueue } from '../harness/run-queue-benchmark.js';

const machine = await describeMachine();
for (const peer of ['graphile-worker', 'pg-boss', 'raw-sql-floor']) {
  await benchmarkQueue(new URL(`./${peer}.queue.ts`, import.meta.url).href, 'postgres', machine);
}
