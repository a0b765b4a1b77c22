import type { TaskProgressUpdate } from '../contract/background-task-context.js';
import type { TaskProgress } from '../storage/task-records.js';

export const PROGRESS_WRITE_INTERVAL_MS = 250;
const MAX_INFO_LENGTH = 1000;

/** Applies an update to the current progress: percent clamped to 0–100 and rounded, info cut to the column. */
export function applyProgressUpdate(current: TaskProgress, update: TaskProgressUpdate): TaskProgress {
  const percent =
    update.percent === undefined || !Number.isFinite(update.percent)
      ? current.percent
      : Math.round(Math.min(100, Math.max(0, update.percent)));
  const step =
    update.step === undefined || !Number.isFinite(update.step)
      ? current.step
      : Math.max(0, Math.trunc(update.step));
  const info = update.info === undefined ? current.info : update.info.slice(0, MAX_INFO_LENGTH);
  return { step, info, percent };
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

  report(update: TaskProgressUpdate): void {
    if (this.closed) return;
    this.progress = applyProgressUpdate(this.progress, update);
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
