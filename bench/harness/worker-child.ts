/**
 * A benchmark worker in a process of its own: `worker-child.ts <queue module URL> <concurrency>`, with the
 * queue settings as JSON in BENCH_QUEUE_SETTINGS. It reports over IPC when it is ready, when it started
 * its first task (the start of a drain) and when it started a pickup sample, and stops on "stop".
 */
import type { QueueFactory, QueueSettings } from './queue-under-test.js';
import { preciseNow } from './queue-under-test.js';

export type WorkerChildMessage =
  | { readonly type: 'ready' }
  /** With BENCH_DEFER_START: when the worker was told to start (its boot counts in the figure). */
  | { readonly type: 'starting'; readonly at: number }
  | { readonly type: 'first-start'; readonly at: number }
  | { readonly type: 'sample-start'; readonly sample: number; readonly at: number };

const [moduleUrl, concurrencyText] = process.argv.slice(2);
const settings = JSON.parse(process.env.BENCH_QUEUE_SETTINGS ?? '{}') as QueueSettings;
const send = (message: WorkerChildMessage) => process.send?.(message);

const { default: createQueue } = (await import(moduleUrl)) as { default: QueueFactory };
const queue = await createQueue(settings);
let started = false;
const startWorker = () =>
  queue.startWorker({
    concurrency: Number(concurrencyText),
    onTaskStart: (payload) => {
      const at = preciseNow();
      if (!started) {
        started = true;
        send({ type: 'first-start', at });
      }
      if (payload.sample !== undefined) send({ type: 'sample-start', sample: payload.sample, at });
    },
  });
// With BENCH_DEFER_START the process is loaded (the library imported) but its worker starts on "start".
let worker = process.env.BENCH_DEFER_START ? undefined : await startWorker();
process.on('message', (message) => {
  if (message === 'start' && !worker) {
    send({ type: 'starting', at: preciseNow() });
    void startWorker().then((running) => (worker = running));
  }
  if (message !== 'stop') return;
  void Promise.resolve(worker?.stop())
    .then(() => queue.close())
    .then(() => process.exit(0));
});
send({ type: 'ready' });
