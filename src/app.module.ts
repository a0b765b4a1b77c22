import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ScheduleModule } from '@nestjs/schedule';
import { AdminModule } from './admin/admin.module.js';
import { AuthModule } from './auth/auth.module.js';
import { BackgroundTasksHttpModule } from './background-tasks/background-tasks-http.module.js';
import { BackgroundTasksModule } from './background-tasks/background-tasks.module.js';
import type { AppConfig } from './config/app-config.js';
import { AppConfigModule } from './config/config.module.js';
import { ContentHttpModule } from './content/content-http.module.js';
import { ContentModule } from './content/content.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { DemoHttpModule } from './demo/demo-http.module.js';
import { DemoModule } from './demo/demo.module.js';
import { ObservabilityModule } from './observability/observability.module.js';

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
