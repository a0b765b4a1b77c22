import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AuthConfig } from '../auth/index.js';
import { BackgroundTasksConfig } from '../background-tasks/index.js';
import { DatabaseConfig } from '../database/database-config.js';
import { FilesConfig } from '../shared/files.config.js';
import { HttpConfig } from '../shared/http.config.js';
import type { AppConfig } from './app-config.js';

export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * Makes each configuration namespace injectable by its class: `constructor(config: BackgroundTasksConfig)`.
 * The values were validated once, by `loadAppConfig`, before the application was built.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    const providers = [
      { provide: APP_CONFIG, useValue: config },
      { provide: HttpConfig, useValue: config.http },
      { provide: DatabaseConfig, useValue: config.database },
      { provide: BackgroundTasksConfig, useValue: config.backgroundTasks },
      { provide: AuthConfig, useValue: config.auth },
      { provide: FilesConfig, useValue: config.files },
      ...[...config.features].map(([provide, useValue]) => ({ provide, useValue })),
    ];
    return { module: AppConfigModule, providers, exports: providers.map((p) => p.provide) };
  }
}
