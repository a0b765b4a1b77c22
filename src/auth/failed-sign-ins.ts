import { Injectable } from '@nestjs/common';
import { AuthConfig } from './auth-config.js';

const WINDOW_MS = 60_000;
const BLOCK_MS = 60_000;
/** Addresses tracked at most; past it the oldest go first (a flood of addresses costs memory, not a crash). */
const MAX_ADDRESSES = 100_000;

interface Count {
  windowStartedAt: number;
  failures: number;
  blockedUntil: number;
}

/**
 * Wrong tokens per client address: past AUTH_FAILURES_PER_MINUTE within a minute, the address waits a
 * minute, whatever token it sends meanwhile, so that guessing tokens costs a minute per batch. A right
 * token never counts. In-memory, per process: behind a load balancer each instance counts its own share,
 * which still bounds guessing.
 *
 * Written here rather than with @nestjs/throttler: its package is CommonJS and requires @nestjs/common,
 * which Nest 12 ships as ES modules only; Node 20 loads that, but the test runner cannot, so none of the
 * application's tests could boot with it. What it would do here is these twenty lines.
 */
@Injectable()
export class FailedSignIns {
  private readonly counts = new Map<string, Count>();

  constructor(private readonly config: AuthConfig) {}

  /** Seconds the address must still wait, or 0 when it may try. */
  waitFor(address: string, now = Date.now()): number {
    const left = (this.counts.get(address)?.blockedUntil ?? 0) - now;
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** Counts a wrong token; returns the seconds the address must now wait, or 0. */
  record(address: string, now = Date.now()): number {
    let count = this.counts.get(address);
    if (!count || now - count.windowStartedAt >= WINDOW_MS) {
      this.counts.delete(address); // re-inserted last: the map stays in order of activity
      if (this.counts.size >= MAX_ADDRESSES) this.counts.delete(this.counts.keys().next().value as string);
      count = { windowStartedAt: now, failures: 0, blockedUntil: count?.blockedUntil ?? 0 };
      this.counts.set(address, count);
    }
    count.failures++;
    if (count.failures > this.config.failuresPerMinute && count.blockedUntil <= now) {
      count.blockedUntil = now + BLOCK_MS;
    }
    return this.waitFor(address, now);
  }
}
