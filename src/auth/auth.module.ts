import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiUserDirectory } from './api-user-directory.js';
import { BearerAuthGuard } from './bearer-auth.guard.js';

@Module({
  providers: [ApiUserDirectory, { provide: APP_GUARD, useClass: BearerAuthGuard }],
  exports: [ApiUserDirectory],
})
export class AuthModule {}
