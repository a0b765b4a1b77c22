import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { USER_ROLES, type ApiUser, type UserRole } from '../../shared/identity/api-user.js';
import { CurrentUser } from '../../shared/identity/current-user.decorator.js';

export class CurrentUserView {
  @ApiProperty({ example: 'alice' }) readonly name!: string;
  @ApiProperty({ enum: USER_ROLES }) readonly role!: UserRole;
}

@ApiTags('auth')
@Controller('api/me')
export class GetCurrentUserHttpController {
  /** Who the bearer token belongs to: the dashboard shows it in its header and hides admin-only actions. */
  @ApiOperation({ summary: 'Who the token belongs to: its user name and role' })
  @ApiOkResponse({ type: CurrentUserView })
  @Get()
  get(@CurrentUser() user: ApiUser): CurrentUserView {
    return { name: user.name, role: user.role };
  }
}
