/**
 * One export in a process of its own, so that its peak RSS is the export's (plus a booted app), not what
 * the benchmark did before. Settings as JSON in BENCH_QUEUE_SETTINGS; reports its figures over IPC.
 */
import { CommandBus } from '@nestjs/cqrs';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { loadAppConfig } from '../../src/config/app-config.js';
import { ExportContentItemsCommand } from '../../src/content/commands/export-content-items/export-content-items.command.js';
import type { QueueSettings } from '../harness/queue-under-test.js';
import { benchEnvironment, bootApp } from './queue.js';

export interface ExportFigures {
  readonly rowsPerSecond: number;
  readonly peakRssMb: number;
  readonly rssBeforeMb: number;
}

const settings = JSON.parse(process.env.BENCH_QUEUE_SETTINGS ?? '{}') as QueueSettings;
const config = loadAppConfig(benchEnvironment(settings, { APP_ROLE: 'all', WORKER_CONCURRENCY: '2' }));
const app = await bootApp(config);
const rss = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const rssBeforeMb = rss();
let peakRssMb = rssBeforeMb;
const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, rss())), 20);
const store = app.get(TaskStore);
const start = performance.now();
const { taskId } = await app
  .get(CommandBus)
  .execute(new ExportContentItemsCommand('articles', {}, { name: 'bench', role: 'admin' }));
for (;;) {
  const task = await store.findById(taskId);
  if (task?.status === 'completed') break;
  if (task && ['failed', 'cancelled'].includes(task.status)) throw new Error(`export ${task.status}`);
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const elapsed = performance.now() - start;
clearInterval(sampler);
const rows = ((await store.findById(taskId))?.result as { rows: number }).rows;
const figures: ExportFigures = { rowsPerSecond: (rows / elapsed) * 1000, peakRssMb, rssBeforeMb };
await app.close();
process.send?.(figures, () => process.exit(0));
