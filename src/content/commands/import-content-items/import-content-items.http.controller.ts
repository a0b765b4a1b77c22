import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { TaskAcceptedView } from '../../../background-tasks/index.js';
import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { FileInterceptor } from '@nestjs/platform-express';
import type { Response } from 'express';
import { type ApiUser, CurrentUser } from '../../../auth/index.js';
import { ImportContentItemsCommand } from './import-content-items.command.js';
import { ImportContentItemsRequestDto } from './import-content-items.request.dto.js';

@ApiTags('content')
@Controller('api/content-types/:developerName/imports')
export class ImportContentItemsHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /**
   * Starts an import from a CSV file sent as multipart field `file` (at most UPLOAD_MAX_SIZE, else 413):
   * 202 `{ taskId }`. The file is stored on disk by the upload (see content-http.module.ts), never in the
   * task row.
   */
  @ApiOperation({ summary: 'Start an import from a CSV file (task cms.import-content-items)' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary', description: 'The CSV file (UTF-8, header row)' },
        mode: { type: 'string', enum: ['insert', 'upsert'], default: 'insert' },
      },
    },
  })
  @ApiAcceptedResponse({ type: TaskAcceptedView, description: 'Started; Location is the task' })
  @ApiErrors(400, 404, 413)
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @UseInterceptors(FileInterceptor('file'))
  async import(
    @Param('developerName') developerName: string,
    @UploadedFile() file: Express.Multer.File | undefined,
    @Body() body: ImportContentItemsRequestDto,
    @CurrentUser() user: ApiUser,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ taskId: string }> {
    if (!file) throw new BadRequestException('Send the CSV file as the multipart form field "file"');
    // The client's file name is kept as a label only; control characters (NUL included) have no place in it.
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    const upload = { path: file.path, originalName: file.originalname.replace(/[\u0000-\u001f\u007f]/g, '') };
    const result = await this.commandBus.execute(
      new ImportContentItemsCommand(developerName, body.mode ?? 'insert', upload, user),
    );
    response.location(`/api/background-tasks/${result.taskId}`);
    return result;
  }
}
