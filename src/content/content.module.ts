import { Module } from '@nestjs/common';
import { BackgroundTasksModule } from '../background-tasks/index.js';
import { CreateContentItemHandler } from './commands/create-content-item/create-content-item.handler.js';
import { CreateContentTypeHandler } from './commands/create-content-type/create-content-type.handler.js';
import { DeleteContentItemHandler } from './commands/delete-content-item/delete-content-item.handler.js';
import { ExportContentItemsHandler } from './commands/export-content-items/export-content-items.handler.js';
import { ImportContentItemsHandler } from './commands/import-content-items/import-content-items.handler.js';
import { UpdateContentItemHandler } from './commands/update-content-item/update-content-item.handler.js';
import { GetContentItemHandler } from './queries/get-content-item/get-content-item.handler.js';
import { GetContentTypeHandler } from './queries/get-content-type/get-content-type.handler.js';
import { ListContentItemsHandler } from './queries/list-content-items/list-content-items.handler.js';
import { ListContentTypesHandler } from './queries/list-content-types/list-content-types.handler.js';
import { DemoContentSeeder } from './seed/demo-content.seeder.js';
import { ContentItemRepository } from './storage/content-item.repository.js';
import { ContentTypeRepository } from './storage/content-type.repository.js';
import { PostgresItemCsv } from './storage/postgres-item-csv.js';
import { ExportContentItemsTask } from './tasks/export-content-items.task.js';
import { ImportContentItemsTask } from './tasks/import-content-items.task.js';

const commandHandlers = [
  CreateContentTypeHandler,
  CreateContentItemHandler,
  UpdateContentItemHandler,
  DeleteContentItemHandler,
  ExportContentItemsHandler,
  ImportContentItemsHandler,
];
const queryHandlers = [
  ListContentTypesHandler,
  GetContentTypeHandler,
  ListContentItemsHandler,
  GetContentItemHandler,
];
const tasks = [ExportContentItemsTask, ImportContentItemsTask];

/** The CMS: content types and items, and their CSV export and import as background tasks. */
@Module({
  imports: [BackgroundTasksModule],
  providers: [
    ContentTypeRepository,
    ContentItemRepository,
    PostgresItemCsv,
    DemoContentSeeder,
    ...commandHandlers,
    ...queryHandlers,
    ...tasks,
  ],
  exports: [DemoContentSeeder],
})
export class ContentModule {}
