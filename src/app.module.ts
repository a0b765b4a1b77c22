import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ScheduleModule } from '@nestjs/schedule';
import { AdminModule } from './admin/index.js';
import { APP_FEATURES } from './app.features.js';
import { AuthModule } from './auth/index.js';
import { BackgroundTasksHttpModule, BackgroundTasksModule } from './background-tasks/index.js';
import type { AppConfig } from './config/app-config.js';
import { AppConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/index.js';
import { ObservabilityModule } from './observability/index.js';
import type { AppFeature } from './shared/app-feature.js';

/**
 * The application, built from a validated configuration: the platform (database, queue, auth, health,
 * observability, the dashboard) and the features of src/app.features.ts. Feature modules hold use cases and
 * tasks; their `…HttpModule` twins hold the controllers, which a process with APP_ROLE=worker leaves out.
 */
@Module({})
export class AppModule {
  /** `features`: src/app.features.ts's; a test may mount fewer (the queue's suites run with none). */
  static forRoot(config: AppConfig, features: readonly AppFeature[] = APP_FEATURES): DynamicModule {
    const httpModules = config.http.servesApi
      ? [
          AuthModule,
          BackgroundTasksHttpModule,
          ...features.flatMap((feature) => feature.httpModule ?? []),
          AdminModule.forRoot(features.map((feature) => feature.name)),
        ]
      : [];
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule,
        CqrsModule.forRoot(),
        ScheduleModule.forRoot(),
        BackgroundTasksModule,
        ...features.map((feature) => feature.module),
        HealthModule,
        ObservabilityModule,
        ...httpModules,
      ],
    };
  }
}
