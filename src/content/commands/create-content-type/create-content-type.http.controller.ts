import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { Body, Controller, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import { type ApiUser, CurrentUser } from '../../../auth/index.js';
import { ContentTypeView } from '../../content.views.js';
import { CreateContentTypeCommand } from './create-content-type.command.js';
import { CreateContentTypeRequestDto } from './create-content-type.request.dto.js';

@ApiTags('content')
@Controller('api/content-types')
export class CreateContentTypeHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** Admins only. 201 with the type; 409 when the developer name is taken. */
  @ApiOperation({ summary: 'Create a content type (admins)' })
  @ApiCreatedResponse({ type: ContentTypeView })
  @ApiErrors(400, 403, 409)
  @Post()
  async create(
    @Body() body: CreateContentTypeRequestDto,
    @CurrentUser() user: ApiUser,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ContentTypeView> {
    const type = await this.commandBus.execute(
      new CreateContentTypeCommand(
        body.developerName,
        body.labelSingular,
        body.labelPlural,
        body.description ?? null,
        body.fields.map((field) => ({ ...field, required: field.required ?? false })),
        user,
      ),
    );
    response.location(`/api/content-types/${type.developerName}`);
    return type;
  }
}
