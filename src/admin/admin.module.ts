import { Module, type DynamicModule } from '@nestjs/common';
import { AdminHttpController, DASHBOARD_FEATURES, FaviconHttpController } from './admin.http.controller.js';

/** GET /admin, the operators' dashboard; served where the API is (APP_ROLE all or api). */
@Module({})
export class AdminModule {
  /** `features`: the names of the features present, whose forms the dashboard shows. */
  static forRoot(features: readonly string[]): DynamicModule {
    return {
      module: AdminModule,
      controllers: [AdminHttpController, FaviconHttpController],
      providers: [{ provide: DASHBOARD_FEATURES, useValue: features }],
    };
  }
}
