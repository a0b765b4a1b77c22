import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseDuration } from '../../src/config/duration.js';

/**
 * No Docker engine runs where this project is tested, so the image is never built here. What CI does run is
 * `.ci/production-start.sh`: the Dockerfile's steps outside Docker (build, `npm ci --omit=dev` in a clean
 * folder, the runtime command, SIGTERM). These checks keep the container files saying the same as those
 * steps and the package's scripts, so that what CI proves is what the image does.
 */
interface Stage {
  readonly name: string | undefined;
  readonly instructions: { readonly keyword: string; readonly args: string }[];
}

function dockerfileStages(): Stage[] {
  const lines = readFileSync('Dockerfile', 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: { name: string | undefined; instructions: Stage['instructions'][number][] }[] = [];
  for (const line of lines) {
    const [keyword, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword === 'FROM') stages.push({ name: / AS (\S+)$/i.exec(args)?.[1], instructions: [] });
    else stages.at(-1)?.instructions.push({ keyword, args });
  }
  return stages;
}

const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
  .scripts;
const stages = dockerfileStages();
const runtime = stages.at(-1)!;
const stage = (name: string) => stages.find((s) => s.name === name)!;
const args = (s: Stage, keyword: string) =>
  s.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const execForm = (value: string) => (JSON.parse(value) as string[]).join(' ');

interface ComposeService {
  readonly command?: string[];
  readonly environment?: Record<string, string>;
  readonly ports?: unknown[];
  readonly volumes?: string[];
  readonly stop_grace_period?: string;
  readonly profiles?: string[];
  readonly depends_on?: Record<string, { condition: string }>;
}
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

describe('the container files', () => {
  it('build in stages the steps CI runs: npm run build, and npm ci --omit=dev for the runtime', () => {
    expect(args(stage('build'), 'RUN')).toEqual(['npm ci --no-audit --no-fund', 'npm run build']);
    expect(args(stage('dependencies'), 'RUN')).toEqual(['npm ci --omit=dev --no-audit --no-fund']);
    expect(args(runtime, 'COPY')).toEqual([
      '--from=dependencies /app/package.json ./',
      '--from=dependencies /app/node_modules node_modules',
      '--from=build /app/dist dist',
    ]);
    // Everything the build compiles is in the build stage (and not left out of the context).
    const { include } = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { include: string[] };
    const copied = args(stage('build'), 'COPY').flatMap((copy) => copy.split(' ').slice(0, -1));
    expect(copied).toEqual(expect.arrayContaining([...include, 'tsconfig.json', 'tsconfig.build.json']));
    const ignore = readFileSync('.dockerignore', 'utf8');
    for (const path of [...include, 'package.json', 'package-lock.json']) {
      expect(existsSync(path)).toBe(true);
      expect(ignore).toMatch(new RegExp(`^!${path.replace('.', '\\.')}(/\\*\\*)?$`, 'm'));
    }
  });

  it('run the app as start:prod does, with node as PID 1, as an unprivileged user, checked on /health', () => {
    expect(execForm(args(runtime, 'CMD')[0])).toBe(scripts['start:prod'].replace(/^exec /, ''));
    const user = runtime.instructions.findIndex((i) => i.keyword === 'USER');
    expect(runtime.instructions[user].args).toBe('node');
    expect(user).toBeLessThan(runtime.instructions.findIndex((i) => i.keyword === 'CMD'));
    expect(args(runtime, 'ENV')[0]).toMatch(/\bNODE_ENV=production\b/);
    expect(args(runtime, 'HEALTHCHECK')[0]).toMatch(/CMD \["node", "-e", ".*\/health`/);
  });

  it('compose an api, scalable workers sharing its files, and a migration job both wait for', () => {
    const { migrate, api, worker } = compose.services;
    expect(migrate.command!.join(' ')).toBe(scripts['migration:run:prod']);
    expect(api.environment!.APP_ROLE).toBe('api');
    expect(worker.environment!.APP_ROLE).toBe('worker');
    expect(worker.ports).toBeUndefined(); // `--scale worker=3` would fight over a published port
    for (const service of [api, worker]) {
      expect(service.depends_on!.migrate.condition).toBe('service_completed_successfully');
      expect(service.volumes).toContain('files:/app/data'); // the runtime stage's DATA_DIR
      expect(service.environment!.DATABASE_URL).toBe(migrate.environment!.DATABASE_URL);
    }
    expect(args(runtime, 'ENV')[0]).toMatch(/\bDATA_DIR=\/app\/data\b/);
    // Docker's SIGKILL comes after stop_grace_period: later than the handlers' own grace period.
    expect(parseDuration(worker.stop_grace_period!)!).toBeGreaterThan(
      parseDuration(worker.environment!.SHUTDOWN_GRACE_PERIOD)!,
    );
    // A plain `docker compose up` starts the app on PostgreSQL, not SQL Server as well.
    expect(compose.services.mssql.profiles).toEqual(['sqlserver']);
  });
});
