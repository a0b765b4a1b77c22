import { loadAppConfig } from './app-config.js';
import { ConfigurationError } from './validate-variables.js';

describe('loadAppConfig', () => {
  it('gives a working embedded default with no environment at all', () => {
    const config = loadAppConfig({});
    expect(config.database.target).toEqual({ engine: 'sqlite', file: './data/app.db' });
    expect(config.database.schema).toBeUndefined();
    expect(config.role).toBe('all');
    expect(config.http).toMatchObject({ port: 3000, servesApi: true });
    expect(config.backgroundTasks).toMatchObject({
      runsWorker: true,
      concurrency: 4,
      batchSize: 50,
      pollingDelayMs: 1_000,
      maxRetryCount: 3,
      leaseDurationMs: 30_000,
      shutdownGracePeriodMs: 10_000,
    });
    expect(config.auth.usesDevToken).toBe(true);
    expect(config.auth.credentials).toEqual([
      { user: { name: 'admin', role: 'admin' }, token: 'dev-admin-token' },
    ]);
  });

  it('reads durations with units, numbers, roles and the engine default schema', () => {
    const config = loadAppConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/cms',
      PollingDelay: '250ms',
      LEASE_DURATION: '2m',
      SHUTDOWN_GRACE_PERIOD: '1500',
      WORKER_CONCURRENCY: '16',
      APP_ROLE: 'worker',
      BatchSize: '',
    });
    expect(config.database.schema).toBe('public');
    expect(config.backgroundTasks).toMatchObject({
      pollingDelayMs: 250,
      leaseDurationMs: 120_000,
      shutdownGracePeriodMs: 1_500,
      concurrency: 16,
      batchSize: 50,
      runsWorker: true,
    });
    expect(config.http.servesApi).toBe(false);
    expect(loadAppConfig({ APP_ROLE: 'api' }).backgroundTasks.runsWorker).toBe(false);
    expect(loadAppConfig({ DATABASE_URL: 'mssql://sa:x@h/db' }).database.schema).toBe('dbo');
    expect(loadAppConfig({ DATABASE_URL: 'mssql://sa:x@h/db', SchemaName: 'cms' }).database.schema).toBe(
      'cms',
    );
  });

  it('derives a heartbeat that renews leases well before they expire and at least twice a second', () => {
    expect(loadAppConfig({ LEASE_DURATION: '30s' }).backgroundTasks.heartbeatIntervalMs).toBe(500);
    expect(loadAppConfig({ LEASE_DURATION: '1200ms' }).backgroundTasks.heartbeatIntervalMs).toBe(400);
  });

  it('defaults to a claim buffer that follows the worker (WORKER_PREFETCH=auto) and 1 MB payloads', () => {
    const { backgroundTasks } = loadAppConfig({});
    expect(backgroundTasks).toMatchObject({ prefetch: 'auto', payloadMaxBytes: 1024 * 1024 });
    expect(loadAppConfig({ WORKER_PREFETCH: '0' }).backgroundTasks.prefetch).toBe(0);
    expect(loadAppConfig({ TASK_PAYLOAD_MAX_SIZE: '64kb' }).backgroundTasks.payloadMaxBytes).toBe(65_536);
  });

  it.each([
    [{ LEASE_DURATION: '0' }, /LEASE_DURATION must be at least 1s: leases are renewed every third of it/],
    [{ LEASE_DURATION: '1ms' }, /LEASE_DURATION must be at least 1s/],
    [{ LEASE_DURATION: '999ms' }, /LEASE_DURATION must be at least 1s.*\(got "999ms"\)/],
    [{ PollingDelay: '0' }, /PollingDelay must be at least 10ms: a shorter delay makes an idle worker poll/],
    [{ PollingDelay: '9ms' }, /PollingDelay must be at least 10ms/],
  ])('refuses %j: below the floor that keeps the worker safe', (env, message) => {
    expect(() => loadAppConfig(env)).toThrow(ConfigurationError);
    expect(() => loadAppConfig(env)).toThrow(message);
  });

  it('accepts the floors themselves', () => {
    const { backgroundTasks } = loadAppConfig({ LEASE_DURATION: '1s', PollingDelay: '10ms' });
    expect(backgroundTasks).toMatchObject({ leaseDurationMs: 1_000, pollingDelayMs: 10 });
  });

  it.each([
    [{ BatchSize: '0' }, /BatchSize must not be less than 1 \(got "0"\)/],
    [{ BatchSize: 'many' }, /BatchSize must be an integer/],
    [{ WORKER_CONCURRENCY: '2.5' }, /WORKER_CONCURRENCY must be an integer/],
    [{ PollingDelay: 'soon' }, /PollingDelay must be a duration/],
    [{ LEASE_DURATION: '5 minutes' }, /LEASE_DURATION must be a duration/],
    [{ APP_ROLE: 'both' }, /APP_ROLE must be one of the following values: all, api, worker/],
    [{ WORKER_PREFETCH: 'lots' }, /WORKER_PREFETCH must be auto or an integer from 0 to 1000/],
    [{ WORKER_PREFETCH: '1001' }, /WORKER_PREFETCH must be auto or an integer from 0 to 1000/],
    [{ TASK_PAYLOAD_MAX_SIZE: 'big' }, /TASK_PAYLOAD_MAX_SIZE must be a size/],
    [{ PORT: '70000' }, /PORT must not be greater than 65535/],
    [{ SchemaName: 'cms; DROP TABLE x' }, /SchemaName must be a SQL identifier/],
    [{ DATABASE_URL: 'mysql://localhost/db' }, /DATABASE_URL must start with/],
    [{ DATABASE_URL: 'sqlite::memory:' }, /DATABASE_URL must name a SQLite file/],
    [{ NODE_ENV: 'staging' }, /NODE_ENV must be one of/],
    [{ HOST: 'localhost:3000' }, /HOST must be an IP address/],
    [{ CORS_ORIGINS: 'https://app.example.com/path' }, /CORS_ORIGINS must list origins/],
    [{ CORS_ORIGINS: '*' }, /CORS_ORIGINS must list origins/],
    [{ TRUST_PROXY: 'true' }, /TRUST_PROXY must be a number of proxies/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /TRUST_PROXY must be a number of proxies/],
    [{ TRUST_PROXY: '1,loopback' }, /TRUST_PROXY must be a number of proxies/],
    [{ DATABASE_POOLING: 'statement' }, /DATABASE_POOLING must be session or transaction/],
    [{ DATABASE_LISTEN_URL: 'mysql://db' }, /DATABASE_LISTEN_URL must start with postgres:\/\//],
    [{ DATABASE_POOLING: 'transaction' }, /apply to PostgreSQL only/],
  ])('stops on %j with a message naming the variable', (env, message) => {
    expect(() => loadAppConfig(env)).toThrow(ConfigurationError);
    expect(() => loadAppConfig(env)).toThrow(message);
  });

  it('listens on loopback outside production unless HOST says otherwise, on every interface in production', () => {
    const tokens = { ADMIN_TOKENS: 'ops:0123456789abcdef0123' };
    expect(loadAppConfig({}).http.host).toBe('127.0.0.1');
    expect(loadAppConfig({ NODE_ENV: 'test' }).http.host).toBe('127.0.0.1');
    expect(loadAppConfig({ NODE_ENV: 'production', ...tokens }).http.host).toBeUndefined();
    expect(loadAppConfig({ HOST: '0.0.0.0' }).http.host).toBe('0.0.0.0');
    expect(loadAppConfig({ NODE_ENV: 'production', HOST: '::1', ...tokens }).http.host).toBe('::1');
  });

  it('keeps CORS off unless CORS_ORIGINS lists origins', () => {
    expect(loadAppConfig({}).http.corsOrigins).toEqual([]);
    expect(
      loadAppConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).http.corsOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });

  it('behind a transaction pooler, names no statement and listens only over DATABASE_LISTEN_URL', () => {
    const pooled = 'postgres://app@pgbouncer:6432/cms';
    const direct = 'postgres://app@db:5432/cms';
    const database = (env: Record<string, string>) =>
      loadAppConfig({ DATABASE_URL: pooled, ...env }).database;
    expect(database({})).toMatchObject({ namedStatements: true, notificationUrl: pooled });
    expect(database({ DATABASE_LISTEN_URL: direct })).toMatchObject({ notificationUrl: direct });
    expect(database({ DATABASE_POOLING: 'transaction' })).toMatchObject({
      namedStatements: false,
      notificationUrl: undefined, // then workers and live views poll
    });
    expect(database({ DATABASE_POOLING: 'transaction', DATABASE_LISTEN_URL: direct })).toMatchObject({
      namedStatements: false,
      notificationUrl: direct,
    });
    expect(loadAppConfig({}).database.notificationUrl).toBeUndefined(); // SQLite
  });

  it('trusts no proxy unless TRUST_PROXY names them', () => {
    expect(loadAppConfig({}).http.trustProxy).toBe(false);
    expect(loadAppConfig({ TRUST_PROXY: '1' }).http.trustProxy).toBe(1);
    expect(loadAppConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::1' }).http.trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::1',
    ]);
  });

  it('lists every bad variable at once', () => {
    expect(() => loadAppConfig({ BatchSize: '0', PollingDelay: 'x' })).toThrow(
      /BatchSize[\s\S]*PollingDelay/,
    );
  });

  it('parses ADMIN_TOKENS with roles, defaulting to editor', () => {
    const { auth } = loadAppConfig({ ADMIN_TOKENS: 'root:root-token-123456:admin, ed:ed-token-1234567' });
    expect(auth.usesDevToken).toBe(false);
    expect(auth.credentials).toEqual([
      { user: { name: 'root', role: 'admin' }, token: 'root-token-123456' },
      { user: { name: 'ed', role: 'editor' }, token: 'ed-token-1234567' },
    ]);
  });

  it('takes several tokens for one user, for rotation', () => {
    const { auth } = loadAppConfig({ ADMIN_TOKENS: 'ops:old-token-123456:admin,ops:new-token-123456:admin' });
    expect(auth.credentials.map((credential) => credential.token)).toEqual([
      'old-token-123456',
      'new-token-123456',
    ]);
  });

  it.each([
    ['root', /entry 1 must look like name:token/],
    ['root:short', /shorter than 12 characters/],
    ['root:long-enough-token:owner', /role "owner"/],
    ['a:long-enough-token:admin,a:another-long-token', /gives user "a" two roles \(admin, editor\)/],
    ['a:long-enough-token,b:long-enough-token', /lists the same token twice/],
    ['bad name:long-enough-token', /user name/],
  ])('rejects ADMIN_TOKENS=%s', (value, message) => {
    expect(() => loadAppConfig({ ADMIN_TOKENS: value })).toThrow(message);
  });

  it('refuses to run in production without ADMIN_TOKENS', () => {
    expect(() => loadAppConfig({ NODE_ENV: 'production' })).toThrow(/ADMIN_TOKENS must be set in production/);
    expect(
      loadAppConfig({ NODE_ENV: 'production', ADMIN_TOKENS: 'ops:ops-token-123456:admin' }).auth.usesDevToken,
    ).toBe(false);
  });
});
