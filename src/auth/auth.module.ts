import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiUserDirectory } from './api-user-directory.js';
import { BearerAuthGuard } from './bearer-auth.guard.js';
import { FailedSignIns } from './failed-sign-ins.js';
import { GetCurrentUserHttpController } from './current-user/get-current-user.http.controller.js';
import { IssueStreamTokenHttpController } from './stream-tokens/issue-stream-token.http.controller.js';
import { StreamTokens } from './stream-tokens/stream-tokens.js';

@Module({
  controllers: [IssueStreamTokenHttpController, GetCurrentUserHttpController],
  providers: [
    ApiUserDirectory,
    StreamTokens,
    FailedSignIns,
    { provide: APP_GUARD, useClass: BearerAuthGuard },
  ],
  exports: [ApiUserDirectory, StreamTokens],
})
export class AuthModule {}
