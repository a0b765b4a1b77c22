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
import type { ApiUser } from '../../../auth/api-user.js';
import { CurrentUser } from '../../../auth/current-user.decorator.js';
import { ImportContentItemsCommand } from './import-content-items.command.js';
import { ImportContentItemsRequestDto } from './import-content-items.request.dto.js';

@Controller('api/content-types/:developerName/imports')
export class ImportContentItemsHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /**
   * Starts an import from a CSV file sent as multipart field `file` (at most UPLOAD_MAX_SIZE, else 413):
   * 202 `{ taskId }`. The file is stored on disk by the upload (see content-http.module.ts), never in the
   * task row.
   */
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
    const upload = { path: file.path, originalName: file.originalname };
    const result = await this.commandBus.execute(
      new ImportContentItemsCommand(developerName, body.mode ?? 'insert', upload, user),
    );
    response.location(`/api/background-tasks/${result.taskId}`);
    return result;
  }
}
