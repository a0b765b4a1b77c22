import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER_SCRIPT = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

/**
 * How to start a worker: compiled on the fly by SWC (the default), or from JavaScript built beforehand when
 * WORKER_SCRIPT names it (the fault suite does, so that restarting a killed worker costs well under a second
 * instead of a compilation).
 */
function workerCommand(): string[] {
  const built = process.env.WORKER_SCRIPT;
  return built ? [built] : ['--import', '@swc-node/register/esm-register', WORKER_SCRIPT];
}

/** Every worker process started and not exited yet: killed when the test process exits, whatever failed. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A worker process (see worker-process.ts). */
export class ChildWorker {
  private exited: Promise<ExitStatus>;
  output = '';

  private constructor(readonly process: ChildProcess) {
    running.add(process);
    this.exited = new Promise((resolve) =>
      // 'close', not 'exit': by then its output is read to the end, for assertions on what it logged.
      process.once('close', (code, signal) => {
        running.delete(process);
        resolve({ code, signal });
      }),
    );
    process.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    process.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static async start(env: Record<string, string>): Promise<ChildWorker> {
    const child = spawn(process.execPath, workerCommand(), {
      env: { ...process.env, NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker = new ChildWorker(child);
    await new Promise<void>((resolve, reject) => {
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('ready')) resolve();
      });
      void worker.exited.then(({ code }) =>
        reject(new Error(`worker exited with ${code}: ${worker.output}`)),
      );
    });
    return worker;
  }

  get pid(): number {
    return this.process.pid!;
  }

  /**
   * Sends a signal and waits for the process to exit. After a graceful shutdown Nest re-raises SIGTERM, so
   * a clean stop reads { code: null, signal: 'SIGTERM' }; a crash reads a non-zero code.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitStatus> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
    return this.exited;
  }
}
