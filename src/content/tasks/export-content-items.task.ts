import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BackgroundTask,
  type BackgroundTaskContext,
  type BackgroundTaskExecutor,
  TaskFiles,
  TaskOutcome,
  UnrecoverableTaskError,
} from '../../background-tasks/index.js';
import { csvHeader, csvRows, UTF8_BOM } from '../csv/content-csv.js';
import { CopyExportRecords } from '../csv/copy-export-records.js';
import { fieldOf, type ContentType, type FieldDefinition } from '../model/content-type.js';
import { ContentItemRepository } from '../storage/content-item.repository.js';
import { ContentTypeRepository } from '../storage/content-type.repository.js';
import { itemSortFor, type ItemSort } from '../storage/item-sort.js';
import { cursorAfter, PostgresItemCsv, type CsvCopyQuery } from '../storage/postgres-item-csv.js';
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
const FORMAT_SLICE = 200;
/** Items per COPY statement: a bounded snapshot, and an index range scan from the cursor each time. */
const COPY_STRETCH = 100_000;
const WRITE_BLOCK_BYTES = 1 << 20;
/**
 * How often the file is synced and a checkpoint taken: every 10,000 rows or every second, whichever comes
 * first. Per page, the fsyncs and row writes cost more than the export itself; an interruption repeats at
 * most this much work.
 */
const CHECKPOINT_EVERY_ROWS = 10_000;
const CHECKPOINT_INTERVAL_MS = 1_000;
const count = new Intl.NumberFormat('en-US');

type ExportContext = BackgroundTaskContext<ExportMetadata, ExportCheckpoint>;

/**
 * The file being exported to and where the export stands. Bytes are written as they come; the state moves
 * forward only at record boundaries, and is checkpointed after the file is flushed up to it (the
 * idempotency rule), so that a resumed export truncates the file to `bytes` and continues after `after`.
 */
class ExportOutput {
  /** Bytes written so far: past `state.bytes` while a record is half written. */
  position: number;
  private lastCheckpointAt = Date.now();
  private checkpointedRows: number;

  constructor(
    private readonly file: FileHandle,
    private readonly context: ExportContext,
    public state: ExportCheckpoint,
  ) {
    this.position = state.bytes;
    this.checkpointedRows = state.rows;
  }

  async write(data: string | Buffer): Promise<void> {
    this.position += await writeAt(this.file, this.position, data);
  }

  /** Complete records up to `state.bytes` are written: checkpoint when due, report progress. */
  async advance(state: ExportCheckpoint): Promise<void> {
    this.state = state;
    if (
      state.rows - this.checkpointedRows >= CHECKPOINT_EVERY_ROWS ||
      Date.now() - this.lastCheckpointAt >= CHECKPOINT_INTERVAL_MS
    ) {
      await this.checkpoint();
    }
    const total = state.total ?? 0;
    this.context.progress({
      step: 2,
      info: `Exported ${count.format(state.rows)} of ${count.format(total)} items`,
      percent: total === 0 ? 100 : (state.rows / total) * 100,
    });
  }

  async finish(): Promise<void> {
    if (this.state.rows > this.checkpointedRows) await this.checkpoint();
    await this.file.sync();
  }

  private async checkpoint(): Promise<void> {
    await this.file.datasync();
    await this.context.checkpoint(this.state);
    this.lastCheckpointAt = Date.now();
    this.checkpointedRows = this.state.rows;
  }
}

/**
 * Writes a content type's items to a CSV file, continuing after the last exported item: never OFFSET, never
 * more than a page (or a stream chunk) in memory. On PostgreSQL, in creation or update order, the database
 * writes the CSV itself (COPY, see PostgresItemCsv); otherwise the items are read in keyset pages and
 * formatted here. Both write the same bytes. Every 10,000 rows or every second (and at the end) the file is
 * flushed to disk and then the checkpoint records the last item, the rows and the file length; an export
 * interrupted anywhere truncates the file back to that length and continues after that item, producing the
 * same bytes as an uninterrupted run.
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
    private readonly databaseCsv: PostgresItemCsv,
    private readonly files: TaskFiles,
  ) {}

  initialExecutionMetadata(): ExportCheckpoint {
    return { total: null, after: null, rows: 0, bytes: 0 };
  }

  async execute(context: ExportContext): Promise<TaskOutcome<ExportResult>> {
    const { metadata, progress } = context;
    const type = await this.types.findById(metadata.contentTypeId);
    if (!type) throw new UnrecoverableTaskError('The content type was deleted before the export ran', 'GONE');
    const fields = this.exportedFields(type, metadata.fields);
    let state = context.executionMetadata ?? this.initialExecutionMetadata();

    if (state.total === null) {
      progress({ step: 1, info: 'Counting items', percent: 0 });
      state = { ...state, total: await this.items.count(type.id, metadata.search) };
      await context.checkpoint(state);
    }

    const path = join(await this.files.ensureDirectory(context.taskId), metadata.fileName);
    const file = await open(path, state.bytes === 0 ? 'w' : 'r+');
    try {
      if (state.bytes === 0) {
        state = { ...state, bytes: await writeAt(file, 0, UTF8_BOM + csvHeader(fields)) };
      } else {
        await file.truncate(state.bytes); // whatever was written after the last checkpoint
      }
      const output = new ExportOutput(file, context, state);
      progress({ step: 2, info: `Exported 0 of ${count.format(state.total ?? 0)} items`, percent: 0 });
      const sort = itemSortFor(type, metadata.orderBy);
      if ('column' in sort && this.databaseCsv.available) {
        await this.exportByCopy(context, output, { ...sort, fields, type });
      } else {
        await this.exportByPages(context, output, { sort, fields, type });
      }
      progress({ step: 3, info: `Finishing: ${count.format(output.state.rows)} items`, percent: 100 });
      await output.finish();
      state = output.state;
    } finally {
      await file.close();
    }
    return TaskOutcome.success({ fileName: metadata.fileName, rows: state.rows, bytes: state.bytes });
  }

  /**
   * Keyset pages read as items and formatted here; the next page is read while this one is written, and
   * turned into bytes as soon as it arrives.
   */
  private async exportByPages(
    { metadata, signal }: ExportContext,
    output: ExportOutput,
    { sort, fields, type }: { sort: ItemSort; fields: FieldDefinition[]; type: ContentType },
  ): Promise<void> {
    const fetchPage = (after: ExportCheckpoint['after']) => {
      const page = this.items
        .page({
          contentTypeId: type.id,
          search: metadata.search,
          sort,
          direction: metadata.direction,
          after: after ?? undefined,
          limit: PAGE_SIZE,
        })
        .then((rows) => {
          const last = rows[rows.length - 1];
          const items = rows.map((row) => row.item);
          // Formatted in slices of a few hundred items, each made bytes at once: a page's text in one
          // string is over V8's large-object size (128 kB), and such strings go straight to the old
          // generation, where 1,000,000 exported items left 80 MB of them waiting for a full collection.
          const slices: Buffer[] = [];
          for (let start = 0; start < items.length; start += FORMAT_SLICE) {
            slices.push(Buffer.from(csvRows(items.slice(start, start + FORMAT_SLICE), fields)));
          }
          return {
            rows: rows.length,
            after: last && { key: last.sortKey, id: last.item.id },
            csv: Buffer.concat(slices),
          };
        });
      void page.catch(() => undefined); // awaited below; no unhandled rejection if the loop stops first
      return page;
    };
    let nextPage = fetchPage(output.state.after);
    for (;;) {
      signal.throwIfAborted();
      const page = await nextPage;
      if (page.rows === 0) break;
      // The next page is read while this one is written: the database and this process work at the same
      // time instead of taking turns. A short page is the last one.
      if (page.rows === PAGE_SIZE) nextPage = fetchPage(page.after);
      await output.write(page.csv);
      await output.advance({
        ...output.state,
        after: page.after,
        rows: output.state.rows + page.rows,
        bytes: output.position,
      });
      if (page.rows < PAGE_SIZE) break;
    }
  }

  /**
   * Stretches of COPY output, each starting after the last item of the previous one, turned into the
   * export's bytes on the way to the file (CopyExportRecords). The cursor is read back from the last
   * complete record.
   */
  private async exportByCopy(
    { metadata, signal }: ExportContext,
    output: ExportOutput,
    {
      column,
      fields,
      type,
    }: { column: CsvCopyQuery['column']; fields: FieldDefinition[]; type: ContentType },
  ): Promise<void> {
    for (;;) {
      const records = new CopyExportRecords();
      const { rows, bytes } = output.state;
      const stretch = this.databaseCsv.records({
        contentTypeId: type.id,
        search: metadata.search,
        column,
        direction: metadata.direction,
        fields,
        after:
          output.state.after === null
            ? undefined
            : { key: String(output.state.after.key), id: output.state.after.id },
        limit: COPY_STRETCH,
      });
      // Chunks (8 kB each, as they arrive) are gathered into blocks of about 1 MB, and each block is
      // written while the next one streams in: a hundred writes instead of twenty thousand, and the
      // database never waits for the disk. At most one write is in flight.
      let block: Buffer[] = [];
      let blockLength = 0;
      let converted = 0;
      let writing: Promise<void> = Promise.resolve();
      const writeBlock = async () => {
        const data = Buffer.concat(block);
        const state: ExportCheckpoint = {
          ...output.state,
          after: records.lastRecord ? cursorAfter(records.lastRecord, column) : output.state.after,
          rows: rows + records.records,
          bytes: bytes + converted,
        };
        block = [];
        blockLength = 0;
        await writing;
        writing = output.write(data).then(() => output.advance(state));
        writing.catch(() => undefined); // awaited with the next block or below
      };
      try {
        for await (const chunk of stretch) {
          signal.throwIfAborted();
          const part = records.convert(chunk);
          block.push(part);
          blockLength += part.length;
          converted += part.length;
          if (blockLength >= WRITE_BLOCK_BYTES) await writeBlock();
        }
        records.finish();
        await writeBlock();
        await writing;
      } catch (error) {
        await writing.catch(() => undefined); // no write outlives the export; the first error is the one
        throw error;
      }
      if (records.records < COPY_STRETCH) return;
    }
  }

  private exportedFields(type: ContentType, names: readonly string[]): FieldDefinition[] {
    return names.map((name) => {
      const field = fieldOf(type, name);
      if (!field) throw new UnrecoverableTaskError(`The field "${name}" no longer exists`, 'GONE');
      return field;
    });
  }
}
