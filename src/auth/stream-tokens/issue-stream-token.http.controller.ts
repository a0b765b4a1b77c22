import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Controller, Headers, HttpCode, HttpStatus, Post } from '@nestjs/common';
import type { ApiUser } from '../../shared/identity/api-user.js';
import { CurrentUser } from '../../shared/identity/current-user.decorator.js';
import { bearerTokenOf } from '../bearer-auth.guard.js';
import { StreamTokens, IssuedStreamToken } from './stream-tokens.js';

@ApiTags('auth')
@Controller('api/stream-tokens')
export class IssueStreamTokenHttpController {
  constructor(private readonly streamTokens: StreamTokens) {}

  /** A token valid for one minute that opens the caller's event streams as `?streamToken=`. */
  @ApiOperation({
    summary: 'Get a one-minute token that opens your event streams as ?streamToken= (for EventSource)',
  })
  @ApiCreatedResponse({ type: IssuedStreamToken })
  @Post()
  @HttpCode(HttpStatus.CREATED)
  issue(
    @CurrentUser() user: ApiUser,
    @Headers('authorization') authorization: string | undefined,
  ): IssuedStreamToken {
    // The guard let the request in with this bearer token (a stream token opens no other route).
    return this.streamTokens.issue(user, bearerTokenOf(authorization)!);
  }
}
