import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { QueueSettings } from './queue-under-test.js';
import { BENCH_WORK_DIR } from './storage.js';
import type { WorkerChildMessage } from './worker-child.js';

const PROFILE_DIR = join(BENCH_WORK_DIR, 'profiles');
/** The harness runs compiled (npm run bench) or from TypeScript through SWC (npm run bench:peers). */
const compiled = import.meta.url.endsWith('.js');
const WORKER_CHILD = fileURLToPath(
  new URL(compiled ? './worker-child.js' : './worker-child.ts', import.meta.url),
);

/** Benchmark workers in processes of their own (see worker-child.ts), and what they report. */
export class WorkerProcesses {
  /** When each process started its first task. */
  readonly firstStarts: number[] = [];
  /** When each process was told to start its worker (started with `deferStart`). */
  readonly starts: number[] = [];
  private readonly sampleWaiters = new Map<number, (at: number) => void>();

  private constructor(private readonly children: ChildProcess[]) {
    for (const child of children) child.on('message', (message: WorkerChildMessage) => this.receive(message));
  }

  static async start(
    queueModuleUrl: string,
    settings: QueueSettings,
    processes: number,
    concurrency: number,
    /** Load the library in each process but start its worker only on `startWorkers()`. */
    deferStart = false,
  ): Promise<WorkerProcesses> {
    const children = Array.from({ length: processes }, () =>
      fork(WORKER_CHILD, [queueModuleUrl, String(concurrency)], {
        // BENCH_CPU_PROF=1 writes a CPU profile of each worker to bench/.work/profiles (see bench/README.md).
        execArgv: [
          ...(compiled ? [] : ['--import', '@swc-node/register/esm-register']),
          '--no-warnings',
          ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []),
        ],
        env: {
          ...process.env,
          BENCH_QUEUE_SETTINGS: JSON.stringify(settings),
          ...(deferStart ? { BENCH_DEFER_START: '1' } : {}),
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    await Promise.all(children.map((child) => readiness(child)));
    return new WorkerProcesses(children);
  }

  /** Tells every process to start its worker; resolves with the earliest time one was told to. */
  async startWorkers(): Promise<number> {
    const told = new Promise<void>((resolve) => (this.allStarting = resolve));
    for (const child of this.children) child.send('start');
    await told;
    return Math.min(...this.starts);
  }

  private allStarting: (() => void) | undefined;

  /** Resolves with the time the worker started the task carrying this sample number. */
  sampleStart(sample: number): Promise<number> {
    return new Promise((resolve) => this.sampleWaiters.set(sample, resolve));
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.send('stop');
          }),
      ),
    );
  }

  private receive(message: WorkerChildMessage): void {
    if (message.type === 'first-start') this.firstStarts.push(message.at);
    if (message.type === 'starting') {
      this.starts.push(message.at);
      if (this.starts.length === this.children.length) this.allStarting?.();
    }
    if (message.type === 'sample-start') {
      this.sampleWaiters.get(message.sample)?.(message.at);
      this.sampleWaiters.delete(message.sample);
    }
  }
}

function readiness(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.on('message', (message: WorkerChildMessage) => message.type === 'ready' && resolve());
    child.once('exit', (code) =>
      reject(new Error(`benchmark worker exited with code ${code} before it was ready`)),
    );
  });
}
