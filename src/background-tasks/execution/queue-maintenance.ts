import type { Logger } from '@nestjs/common';
import type { TaskEvents } from '../events/task-events.js';
import { GONE_WORKER_KEPT_LEASES, type TaskStore } from '../storage/task-store.js';

/**
 * Once per PollingDelay, before a claim round (by any worker): tasks whose worker vanished (an expired
 * lease) and suspended tasks whose time has come go back to the queue, so that this very round can claim
 * them. Both statements are idempotent and bounded by their partial indexes, so several workers sweeping
 * at once cost little and agree. The heartbeat rows of workers gone long since are deleted too (a table as
 * small as the fleet).
 */
export class QueueMaintenance {
  private lastRunAt = 0;

  constructor(
    private readonly store: TaskStore,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly events: TaskEvents,
  ) {}

  async runWhenDue(now = Date.now()): Promise<void> {
    if (now - this.lastRunAt < this.intervalMs) return;
    this.lastRunAt = now;
    const recovered = await this.store.recoverExpiredLeases();
    if (recovered > 0) {
      this.logger.warn(`Returned ${recovered} task(s) with expired leases to the queue`);
      this.events.emit({ kind: 'leases-recovered', count: recovered });
    }
    const resumed = await this.store.resumeDueTasks();
    if (resumed > 0) {
      this.logger.log(`Resumed ${resumed} suspended task(s) whose time had come`);
      this.events.emit({ kind: 'due-resumed', count: resumed });
    }
    const removed = await this.store.removeGoneWorkers();
    if (removed > 0)
      this.logger.log(`Removed ${removed} worker(s) gone since ${GONE_WORKER_KEPT_LEASES} leases`);
  }
}
