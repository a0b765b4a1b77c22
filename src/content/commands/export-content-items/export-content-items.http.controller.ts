import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { TaskAcceptedView } from '../../../background-tasks/index.js';
import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import { type ApiUser, CurrentUser } from '../../../auth/index.js';
import { ExportContentItemsCommand } from './export-content-items.command.js';
import { ExportContentItemsRequestDto } from './export-content-items.request.dto.js';

@ApiTags('content')
@Controller('api/content-types/:developerName/exports')
export class ExportContentItemsHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /**
   * Starts an export to CSV: 202 `{ taskId }` at once, with the task's URL in Location. When the task has
   * completed, GET /api/background-tasks/:id/file downloads the file.
   */
  @ApiOperation({ summary: 'Start an export to CSV (task cms.export-content-items)' })
  @ApiAcceptedResponse({ type: TaskAcceptedView, description: 'Started; Location is the task' })
  @ApiErrors(400, 404)
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  async export(
    @Param('developerName') developerName: string,
    @Body() body: ExportContentItemsRequestDto,
    @CurrentUser() user: ApiUser,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ taskId: string }> {
    const result = await this.commandBus.execute(new ExportContentItemsCommand(developerName, body, user));
    response.location(`/api/background-tasks/${result.taskId}`);
    return result;
  }
}
