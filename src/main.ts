import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { loadAppConfig } from './config/app-config.js';
import { loadDotEnvFile } from './config/dot-env.js';
import { ConfigurationError } from './config/validate-variables.js';
import { runMigrations } from './database/migrator.js';
import { configureHttpApp } from './http-app.js';
import { JsonLogger } from './observability/index.js';

async function bootstrap(): Promise<void> {
  loadDotEnvFile();
  const config = loadAppConfig(process.env);
  // Structured logs: one JSON object per line, with taskId and taskName on every line about a task.
  const jsonLogger = new JsonLogger();
  Logger.overrideLogger(jsonLogger);
  const logger = new Logger('Bootstrap');
  // The embedded default needs no setup step: its schema follows the code. Server databases are migrated
  // deliberately, with `npm run migration:run`, as part of a deployment.
  if (config.database.engine === 'sqlite') {
    const applied = await runMigrations(config.database);
    if (applied.length > 0) logger.log(`Applied migrations: ${applied.join(', ')}`);
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: jsonLogger,
  });
  configureHttpApp(app);
  app.enableShutdownHooks();
  await app.listen(config.http.port);
  logger.log(`Listening on ${await app.getUrl()} (role ${config.role}, database ${config.database.engine})`);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigurationError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
