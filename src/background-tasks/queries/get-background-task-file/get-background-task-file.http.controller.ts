import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { createReadStream } from 'node:fs';
import { Controller, Get, Param, ParseUUIDPipe, Res, StreamableFile } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import { type ApiUser, CurrentUser } from '../../../shared/identity/index.js';
import { GetBackgroundTaskFileQuery } from './get-background-task-file.query.js';

const CONTENT_TYPES: Record<string, string> = { csv: 'text/csv; charset=utf-8' };

@ApiTags('background tasks')
@Controller('api/background-tasks')
export class GetBackgroundTaskFileHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /** Streams the file a completed task produced; 404 for anyone but its creator and admins. */
  @ApiOperation({
    summary: 'Download the file a completed task produced (an export, an import error report)',
  })
  @ApiProduces('text/csv', 'application/octet-stream')
  @ApiOkResponse({ description: 'The file, as an attachment', schema: { type: 'string', format: 'binary' } })
  @ApiErrors(400, 404, 409)
  @Get(':id/file')
  async download(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentUser() user: ApiUser,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const file = await this.queryBus.execute(new GetBackgroundTaskFileQuery(id.toLowerCase(), user));
    const extension = file.fileName.split('.').pop() ?? '';
    response.setHeader('Content-Type', CONTENT_TYPES[extension] ?? 'application/octet-stream');
    response.setHeader('Content-Length', String(file.size));
    response.setHeader('Content-Disposition', `attachment; filename="${file.fileName}"`);
    response.setHeader('Cache-Control', 'private, no-store');
    return new StreamableFile(createReadStream(file.path));
  }
}
