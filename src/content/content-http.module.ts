import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { diskStorage } from 'multer';
import { uuidv7 } from '../shared/uuid-v7.js';
import { FilesConfig } from '../shared/files.config.js';
import { CreateContentItemHttpController } from './commands/create-content-item/create-content-item.http.controller.js';
import { CreateContentTypeHttpController } from './commands/create-content-type/create-content-type.http.controller.js';
import { DeleteContentItemHttpController } from './commands/delete-content-item/delete-content-item.http.controller.js';
import { ExportContentItemsHttpController } from './commands/export-content-items/export-content-items.http.controller.js';
import { ImportContentItemsHttpController } from './commands/import-content-items/import-content-items.http.controller.js';
import { UpdateContentItemHttpController } from './commands/update-content-item/update-content-item.http.controller.js';
import { GetContentItemHttpController } from './queries/get-content-item/get-content-item.http.controller.js';
import { GetContentTypeHttpController } from './queries/get-content-type/get-content-type.http.controller.js';
import { ListContentItemsHttpController } from './queries/list-content-items/list-content-items.http.controller.js';
import { ListContentTypesHttpController } from './queries/list-content-types/list-content-types.http.controller.js';

const controllers = [
  ListContentTypesHttpController,
  GetContentTypeHttpController,
  CreateContentTypeHttpController,
  ListContentItemsHttpController,
  CreateContentItemHttpController,
  GetContentItemHttpController,
  UpdateContentItemHttpController,
  DeleteContentItemHttpController,
  ExportContentItemsHttpController,
  ImportContentItemsHttpController,
];

/**
 * The content routes. Uploads stream to DATA_DIR/uploads under a server-made name (the client's file name
 * is kept only as metadata), and stop at UPLOAD_MAX_SIZE with a 413.
 */
@Module({
  imports: [
    MulterModule.registerAsync({
      inject: [FilesConfig],
      useFactory: (config: FilesConfig) => {
        const directory = resolve(config.dataDir, 'uploads');
        mkdirSync(directory, { recursive: true });
        return {
          storage: diskStorage({
            destination: directory,
            filename: (_request, _file, callback) => callback(null, `${uuidv7()}.csv`),
          }),
          limits: { fileSize: config.maxUploadBytes, files: 1, fields: 10, fieldSize: 1024 },
        };
      },
    }),
  ],
  controllers,
})
export class ContentHttpModule {}
