import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackgroundTaskContext } from '../../background-tasks/contract/background-task-context.js';
import { BackgroundTask } from '../../background-tasks/contract/background-task.decorator.js';
import type { BackgroundTaskExecutor } from '../../background-tasks/contract/background-task-executor.js';
import { TaskOutcome } from '../../background-tasks/contract/task-outcome.js';
import { UnrecoverableTaskError } from '../../background-tasks/contract/unrecoverable-task.error.js';
import { TaskFiles } from '../../background-tasks/files/task-files.js';
import { csvHeader, csvRows, UTF8_BOM } from '../csv/content-csv.js';
import { fieldOf, type ContentType, type FieldDefinition } from '../model/content-type.js';
import { ContentItemRepository } from '../storage/content-item.repository.js';
import { ContentTypeRepository } from '../storage/content-type.repository.js';
import { itemSortFor } from '../storage/item-sort.js';
import { writeAt } from './write-at.js';

export interface ExportMetadata {
  readonly contentTypeId: string;
  readonly search?: string;
  readonly orderBy: string;
  readonly direction: 'asc' | 'desc';
  /** Developer names of the exported fields, in the type's order. */
  readonly fields: readonly string[];
  readonly fileName: string;
}

/** Where an export stands: enough to continue the same file, byte for byte, after an interruption. */
export interface ExportCheckpoint {
  readonly total: number | null;
  /** Sort key and id of the last exported item. */
  readonly after: { readonly key: string | number; readonly id: string } | null;
  readonly rows: number;
  /** Length of the file up to and including the last exported page. */
  readonly bytes: number;
}

export interface ExportResult {
  readonly fileName: string;
  readonly rows: number;
  readonly bytes: number;
}

const PAGE_SIZE = 1_000;
/**
 * How often the file is synced and a checkpoint taken: every ten pages or every second, whichever comes
 * first. Per page, the fsyncs and row writes cost more than the export itself; an interruption repeats at
 * most this much work.
 */
const CHECKPOINT_EVERY_PAGES = 10;
const CHECKPOINT_INTERVAL_MS = 1_000;
const count = new Intl.NumberFormat('en-US');

/**
 * Writes a content type's items to a CSV file, one keyset page at a time: never OFFSET, never more than one
 * page in memory. Every ten pages or every second (and after the last page) the file is flushed to disk and then the
 * checkpoint records the last item, the rows and the file length; an export interrupted anywhere truncates
 * the file back to that length and continues after that item, producing the same bytes as an
 * uninterrupted run.
 */
@BackgroundTask('cms.export-content-items', { timeout: '2h', maxRetryCount: 2 })
export class ExportContentItemsTask implements BackgroundTaskExecutor<
  ExportMetadata,
  ExportCheckpoint,
  ExportResult,
  never
> {
  constructor(
    private readonly types: ContentTypeRepository,
    private readonly items: ContentItemRepository,
    private readonly files: TaskFiles,
  ) {}

  initialExecutionMetadata(): ExportCheckpoint {
    return { total: null, after: null, rows: 0, bytes: 0 };
  }

  async execute(
    context: BackgroundTaskContext<ExportMetadata, ExportCheckpoint>,
  ): Promise<TaskOutcome<ExportResult>> {
    const { metadata, progress, signal } = context;
    const type = await this.types.findById(metadata.contentTypeId);
    if (!type) throw new UnrecoverableTaskError('The content type was deleted before the export ran', 'GONE');
    const fields = this.exportedFields(type, metadata.fields);
    let state = context.executionMetadata ?? this.initialExecutionMetadata();

    if (state.total === null) {
      progress({ step: 1, info: 'Counting items', percent: 0 });
      state = { ...state, total: await this.items.count(type.id, metadata.search) };
      await context.checkpoint(state);
    }
    const total = state.total ?? 0;

    const path = join(await this.files.ensureDirectory(context.taskId), metadata.fileName);
    const file = await open(path, state.bytes === 0 ? 'w' : 'r+');
    try {
      if (state.bytes === 0) {
        state = { ...state, bytes: await writeAt(file, 0, UTF8_BOM + csvHeader(fields)) };
      } else {
        await file.truncate(state.bytes); // whatever was written after the last checkpoint
      }
      const sort = itemSortFor(type, metadata.orderBy);
      progress({ step: 2, info: `Exported 0 of ${count.format(total)} items`, percent: 0 });
      let lastCheckpointAt = Date.now();
      let pagesSinceCheckpoint = 0;
      const fetchPage = (after: ExportCheckpoint['after']) => {
        const page = this.items.page({
          contentTypeId: type.id,
          search: metadata.search,
          sort,
          direction: metadata.direction,
          after: after ?? undefined,
          limit: PAGE_SIZE,
        });
        void page.catch(() => undefined); // awaited below; no unhandled rejection if the loop stops first
        return page;
      };
      let nextPage = fetchPage(state.after);
      for (;;) {
        signal.throwIfAborted();
        const page = await nextPage;
        if (page.length === 0) break;
        // The next page is read while this one is turned into CSV and written: the database and this
        // process work at the same time instead of taking turns. A short page is the last one.
        const lastRow = page[page.length - 1];
        if (page.length === PAGE_SIZE) nextPage = fetchPage({ key: lastRow.sortKey, id: lastRow.item.id });
        const bytes =
          state.bytes +
          (await writeAt(
            file,
            state.bytes,
            csvRows(
              page.map((row) => row.item),
              fields,
            ),
          ));
        state = {
          total,
          after: { key: lastRow.sortKey, id: lastRow.item.id },
          rows: state.rows + page.length,
          bytes,
        };
        if (
          ++pagesSinceCheckpoint >= CHECKPOINT_EVERY_PAGES ||
          Date.now() - lastCheckpointAt >= CHECKPOINT_INTERVAL_MS
        ) {
          await this.checkpoint(context, file, state);
          lastCheckpointAt = Date.now();
          pagesSinceCheckpoint = 0;
        }
        progress({
          step: 2,
          info: `Exported ${count.format(state.rows)} of ${count.format(total)} items`,
          percent: total === 0 ? 100 : (state.rows / total) * 100,
        });
        if (page.length < PAGE_SIZE) break;
      }
      if (pagesSinceCheckpoint > 0) await this.checkpoint(context, file, state);
      progress({ step: 3, info: `Finishing: ${count.format(state.rows)} items`, percent: 100 });
      await file.sync();
    } finally {
      await file.close();
    }
    return TaskOutcome.success({ fileName: metadata.fileName, rows: state.rows, bytes: state.bytes });
  }

  /** The file up to `state.bytes` is on disk before the checkpoint that records it (the idempotency rule). */
  private async checkpoint(
    context: BackgroundTaskContext<ExportMetadata, ExportCheckpoint>,
    file: FileHandle,
    state: ExportCheckpoint,
  ): Promise<void> {
    await file.datasync();
    await context.checkpoint(state);
  }

  private exportedFields(type: ContentType, names: readonly string[]): FieldDefinition[] {
    return names.map((name) => {
      const field = fieldOf(type, name);
      if (!field) throw new UnrecoverableTaskError(`The field "${name}" no longer exists`, 'GONE');
      return field;
    });
  }
}
