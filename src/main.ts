import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { loadAppConfig } from './config/app-config.js';
import { loadDotEnvFile } from './config/dot-env.js';
import { ConfigurationError } from './config/validate-variables.js';
import type { DatabaseConfig } from './database/database-config.js';
import { runMigrations, unappliedMigrations } from './database/migrator.js';
import { configureHttpApp } from './http-app.js';
import { JsonLogger, startTracing } from './observability/index.js';

async function bootstrap(): Promise<void> {
  loadDotEnvFile();
  const config = loadAppConfig(process.env);
  // Structured logs: one JSON object per line, with taskId and taskName on every line about a task.
  const jsonLogger = new JsonLogger();
  Logger.overrideLogger(jsonLogger);
  const logger = new Logger('Bootstrap');
  // Before the app is built: its components decide once, when constructed, whether to make spans.
  if (config.tracing) {
    startTracing(config.tracing);
    logger.log(`Tracing to ${config.tracing.exporters.join(' and ')} as ${config.tracing.serviceName}`);
  }
  // The embedded default needs no setup step: its schema follows the code. Server databases are migrated
  // deliberately, with `npm run migration:run`, as part of a deployment.
  if (config.database.engine === 'sqlite') {
    const applied = await runMigrations(config.database);
    if (applied.length > 0) logger.log(`Applied migrations: ${applied.join(', ')}`);
  } else {
    await refuseUnmigratedDatabase(config.database);
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: jsonLogger,
  });
  configureHttpApp(app);
  app.enableShutdownHooks();
  const { port, host } = config.http;
  await (host === undefined ? app.listen(port) : app.listen(port, host));
  logger.log(
    `Listening on ${listeningOn(app.getHttpServer())} (role ${config.role}, database ${config.database.engine})`,
  );
}

/**
 * A server database that lacks a migration would fail later, on the first query of a missing table or
 * column, with a stack trace that does not say what to do. One line instead, naming the command.
 */
async function refuseUnmigratedDatabase(database: DatabaseConfig): Promise<void> {
  const unapplied = await unappliedMigrations(database);
  if (unapplied.length === 0) return;
  const where = `${database.engine} (schema ${database.schema})`;
  throw new ConfigurationError(
    `The database on ${where} lacks ${unapplied.length} migration(s), from ${unapplied[0]}: run ` +
      '`npm run migration:run:prod` (or `npm run migration:run` in a checkout) once per release, then start.',
  );
}

/** The address the server really listens on: `http://127.0.0.1:3000`, or every interface and the port. */
function listeningOn(server: Server): string {
  const address = server.address() as AddressInfo;
  if (address.address === '::' || address.address === '0.0.0.0')
    return `every interface, port ${address.port}`;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigurationError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
