import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ScheduleModule } from '@nestjs/schedule';
import { AdminModule } from './admin/index.js';
import { AuthModule } from './auth/index.js';
import { BackgroundTasksHttpModule, BackgroundTasksModule } from './background-tasks/index.js';
import type { AppConfig } from './config/app-config.js';
import { AppConfigModule } from './config/config.module.js';
import { ContentHttpModule, ContentModule } from './content/index.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/index.js';
import { DemoHttpModule, DemoModule } from './demo/index.js';
import { ObservabilityModule } from './observability/index.js';

/**
 * The application, built from a validated configuration. Feature modules hold use cases and tasks; their
 * `…HttpModule` twins hold the controllers, which a process with APP_ROLE=worker leaves out.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    const httpModules = config.http.servesApi
      ? [AuthModule, BackgroundTasksHttpModule, ContentHttpModule, DemoHttpModule, AdminModule]
      : [];
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule,
        CqrsModule.forRoot(),
        ScheduleModule.forRoot(),
        BackgroundTasksModule,
        ContentModule,
        DemoModule,
        HealthModule,
        ObservabilityModule,
        ...httpModules,
      ],
    };
  }
}
