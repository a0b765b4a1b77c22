import type { TaskProgressUpdate } from '../contract/background-task-context.js';
import type { TaskProgress } from '../model/task-records.js';
import { storableText } from './run-errors.js';

export const PROGRESS_WRITE_INTERVAL_MS = 250;
const MAX_INFO_LENGTH = 1000;
/** The largest step every engine's integer column holds. */
const MAX_STEP = 2 ** 31 - 1;

/**
 * Applies an update to the current progress: percent clamped to 0–100 and rounded, step to a column-sized
 * integer, info cut to the column and made storable. A field that is missing or not usable (NaN, Infinity,
 * an object) keeps its last value: progress() is called from every loop of every task and must never be
 * the reason a run fails or a write is refused.
 */
export function applyProgressUpdate(current: TaskProgress, update: TaskProgressUpdate): TaskProgress {
  const { step, info, percent } = update;
  return {
    step:
      typeof step === 'number' && Number.isFinite(step)
        ? Math.min(MAX_STEP, Math.max(0, Math.trunc(step)))
        : current.step,
    info:
      typeof info === 'string'
        ? storableText(info, MAX_INFO_LENGTH)
        : typeof info === 'number' || typeof info === 'boolean'
          ? String(info)
          : current.info,
    percent:
      typeof percent === 'number' && Number.isFinite(percent)
        ? Math.round(Math.min(100, Math.max(0, percent)))
        : current.percent,
  };
}

/**
 * Throttles a run's progress writes: a step change is written at once, anything else at most once per
 * interval, and the latest report is never dropped (a trailing write follows, or the outcome carries it).
 * One write at a time, so the rows never go back in time.
 */
export class ProgressReporter {
  private progress: TaskProgress;
  private written: TaskProgress;
  private lastWriteAt = 0;
  private inFlight: Promise<void> | undefined;
  private trailingTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    initial: TaskProgress,
    /** Saves progress; resolves false when the lease is gone. */
    private readonly save: (progress: TaskProgress) => Promise<boolean>,
    private readonly onLeaseLost: () => void,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = PROGRESS_WRITE_INTERVAL_MS,
  ) {
    this.progress = initial;
    this.written = initial;
  }

  get current(): TaskProgress {
    return this.progress;
  }

  /** Never throws, whatever the update holds (its getters may throw: the update is then ignored). */
  report(update: TaskProgressUpdate): void {
    if (this.closed) return;
    try {
      this.progress = applyProgressUpdate(this.progress, update);
    } catch {
      return;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.inFlight || this.trailingTimer || this.isWritten()) return;
    const wait =
      this.progress.step !== this.written.step ? 0 : this.lastWriteAt + this.intervalMs - Date.now();
    if (wait <= 0) {
      this.write();
    } else {
      this.trailingTimer = setTimeout(() => {
        this.trailingTimer = undefined;
        this.schedule();
      }, wait);
    }
  }

  private isWritten(): boolean {
    const { step, info, percent } = this.progress;
    return step === this.written.step && info === this.written.info && percent === this.written.percent;
  }

  private write(): void {
    const progress = this.progress;
    this.lastWriteAt = Date.now();
    this.inFlight = this.save(progress)
      .then((held) => {
        if (held) this.written = progress;
        else this.lost();
      })
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.inFlight = undefined;
        this.schedule();
      });
  }

  private lost(): void {
    this.closed = true;
    this.onLeaseLost();
  }

  /** Stops writing; waits for a write in flight. The caller saves `current` with the outcome. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.trailingTimer);
    this.trailingTimer = undefined;
    await this.inFlight;
  }
}
