/**
 * Live views under many viewers: 300 open list streams (GET /api/background-tasks/events) of one user, on
 * a server in a process of its own (live-views-server.ts). Figures: the server's CPU time while idle with
 * the streams open, and for a task that writes its progress 1,000 times (one step change every 5 ms) with
 * and without the streams; the progress writes are counted by a trigger.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { recordMeasurement } from '../harness/results.js';
import { BENCH_WORK_DIR, freshStorage, postgresSql } from '../harness/storage.js';

const STREAMS = Number(process.env.BENCH_LIVE_STREAMS ?? 300);
const STEPS = 1_000;
const PAUSE_MS = 5;
const IDLE_SECONDS = 10;
const USER = 'viewer';
const TOKEN = 'live-views-bench-token-0123456789';

interface Server {
  readonly port: number;
  ask<T>(message: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

async function startServer(schema: string): Promise<Server> {
  const script = join(import.meta.dirname, 'live-views-server.js');
  const child: ChildProcess = fork(script, [], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      APP_ROLE: 'all',
      DATABASE_URL: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      SchemaName: schema,
      DATA_DIR: join(BENCH_WORK_DIR, schema, 'data'),
      SEED_DEMO_ITEMS: '0',
      ADMIN_TOKENS: `${USER}:${TOKEN}:editor`,
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
    child.on('message', (message: { ready?: boolean; port?: number }) => {
      if (message.ready) resolve(message.port!);
    });
  });
  let next = 0;
  return {
    port,
    ask: <T>(message: Record<string, unknown>) =>
      new Promise<T>((resolve) => {
        const id = ++next;
        const onMessage = (answer: { id?: number }) => {
          if (answer.id !== id) return;
          child.off('message', onMessage);
          resolve(answer as T);
        };
        child.on('message', onMessage);
        child.send({ ...message, id });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The server's CPU time so far, in ms. */
async function cpuMs(server: Server): Promise<number> {
  const { cpu } = await server.ask<{ cpu: NodeJS.CpuUsage }>({ kind: 'cpu' });
  return (cpu.user + cpu.system) / 1000;
}

interface Stream {
  /** `task` events received. */
  events: number;
  /** Resolves once the stream sent the given task completed. */
  completed(taskId: string): Promise<void>;
  close(): void;
}

function openStream(port: number): Promise<Stream> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const finished = new Set<string>();
    const waiting = new Map<string, () => void>();
    const stream: Stream = {
      events: 0,
      completed: (taskId) =>
        finished.has(taskId) ? Promise.resolve() : new Promise((done) => waiting.set(taskId, done)),
      close: () => req.destroy(),
    };
    const req = request(
      {
        port,
        host: '127.0.0.1',
        path: '/api/background-tasks/events',
        headers: { authorization: `Bearer ${TOKEN}` },
      },
      (response: IncomingMessage) => {
        if (response.statusCode !== 200) return reject(new Error(`stream answered ${response.statusCode}`));
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (!event.includes('event: task')) continue;
            stream.events++;
            const data = event.split('\n').find((line) => line.startsWith('data: '));
            const task = data ? (JSON.parse(data.slice(6)) as { id: string; status: string }) : undefined;
            if (task?.status === 'completed') {
              finished.add(task.id);
              waiting.get(task.id)?.();
            }
          }
        });
        resolve(stream);
      },
    );
    req.on('error', (error) => reject(error));
    req.end();
  });
}

async function progressWrites(schema: string): Promise<number> {
  const [{ n }] = await postgresSql<{ n: number }>(`SELECT n FROM "${schema}".row_updates`);
  return Number(n);
}

async function countProgressWrites(schema: string): Promise<void> {
  await postgresSql(`CREATE TABLE "${schema}".row_updates (n integer NOT NULL)`);
  await postgresSql(`INSERT INTO "${schema}".row_updates (n) VALUES (0)`);
  await postgresSql(
    `CREATE FUNCTION "${schema}".count_update() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN UPDATE "${schema}".row_updates SET n = n + 1; RETURN NULL; END $$`,
  );
  await postgresSql(
    `CREATE TRIGGER count_updates AFTER UPDATE ON "${schema}".background_tasks FOR EACH ROW
     WHEN (OLD.task_step IS DISTINCT FROM NEW.task_step) EXECUTE FUNCTION "${schema}".count_update()`,
  );
}

/** Runs the 1,000-step task; returns the server's CPU ms, the writes and the wall time. */
async function runSteps(server: Server, schema: string, streams: readonly Stream[]) {
  const writesBefore = await progressWrites(schema);
  const cpuBefore = await cpuMs(server);
  const started = performance.now();
  const { taskId } = await server.ask<{ taskId: string }>({
    kind: 'enqueue',
    payload: { steps: STEPS, pauseMs: PAUSE_MS },
    createdBy: USER,
  });
  if (streams.length > 0) {
    await Promise.all(streams.map((stream) => stream.completed(taskId)));
  } else {
    const done = async () =>
      (
        await postgresSql<{ status: string }>(
          `SELECT status FROM "${schema}".background_tasks WHERE id = $1`,
          [taskId],
        )
      )[0]?.status === 'completed';
    while (!(await done())) await sleep(20);
  }
  const wallMs = performance.now() - started;
  const cpu = (await cpuMs(server)) - cpuBefore;
  return { cpu, writes: (await progressWrites(schema)) - writesBefore, wallMs };
}

export async function benchmarkLiveViews(machine: string): Promise<void> {
  const storage = await freshStorage('postgres');
  const schema = storage.settings.schema;
  const server = await startServer(schema);
  const streams: Stream[] = [];
  try {
    await countProgressWrites(schema);
    await runSteps(server, schema, []); // warm-up: the first run pays for the JIT
    const alone = await runSteps(server, schema, []);
    for (let i = 0; i < STREAMS; i++) streams.push(await openStream(server.port));
    await sleep(3_000);
    const idleStart = await cpuMs(server);
    await sleep(IDLE_SECONDS * 1_000);
    const idleMsPerSecond = ((await cpuMs(server)) - idleStart) / IDLE_SECONDS;
    const eventsBefore = streams.reduce((sum, stream) => sum + stream.events, 0);
    const watched = await runSteps(server, schema, streams);
    const events = streams.reduce((sum, stream) => sum + stream.events, 0) - eventsBefore;
    const lines = [
      `${STREAMS} list streams of one user, PostgreSQL, APP_ROLE=all, one server process:`,
      `  idle, streams open:            ${idleMsPerSecond.toFixed(1)} ms CPU per second`,
      `  ${alone.writes} progress writes, no stream:   ${alone.cpu.toFixed(0)} ms CPU (${(alone.wallMs / 1000).toFixed(1)} s)`,
      `  ${watched.writes} progress writes, ${STREAMS} streams: ${watched.cpu.toFixed(0)} ms CPU (${(watched.wallMs / 1000).toFixed(1)} s), ` +
        `${(events / STREAMS).toFixed(0)} events per stream`,
      `  cost of the streams: ${((watched.cpu - alone.cpu) / Math.max(1, watched.writes)).toFixed(2)} ms CPU per progress write`,
    ];
    console.log(lines.join('\n'));
    await recordMeasurement(machine, 'live-views-postgres', {
      section: 'Live views (PostgreSQL)',
      label: `${STREAMS} list streams of one user; a task writing its progress ${STEPS.toLocaleString('en')} times`,
      value:
        `idle ${idleMsPerSecond.toFixed(1)} ms CPU/s; ${watched.writes} writes: ${watched.cpu.toFixed(0)} ms CPU ` +
        `with the streams, ${alone.cpu.toFixed(0)} ms without`,
      detail: `the server process's CPU time (process.cpuUsage), APP_ROLE=all; ${(events / STREAMS).toFixed(0)} events per stream`,
      numbers: {
        streams: STREAMS,
        idleCpuMsPerSecond: idleMsPerSecond,
        progressWrites: watched.writes,
        cpuMsWithStreams: watched.cpu,
        cpuMsWithoutStreams: alone.cpu,
        eventsPerStream: events / STREAMS,
      },
      measuredAt: new Date().toISOString(),
    });
  } finally {
    for (const stream of streams) stream.close();
    await server.stop();
    await storage.drop();
  }
}
