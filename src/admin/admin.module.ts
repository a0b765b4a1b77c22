import { Module } from '@nestjs/common';
import { AdminHttpController } from './admin.http.controller.js';

/** GET /admin, the operators' dashboard; served where the API is (APP_ROLE all or api). */
@Module({ controllers: [AdminHttpController] })
export class AdminModule {}
