import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { EntityManager } from 'typeorm';
import { uuidv7 } from '../../shared/uuid-v7.js';
import {
  BackgroundTask,
  type BackgroundTaskContext,
  type BackgroundTaskExecutor,
  TaskFiles,
  TaskOutcome,
  UnrecoverableTaskError,
} from '../../background-tasks/index.js';
import { UnitOfWork } from '../../database/unit-of-work.js';
import { UTF8_BOM } from '../csv/content-csv.js';
import { CsvFileError, readCsvRecords, type CsvRecord } from '../csv/csv-records.js';
import { csvRecords } from '../csv/csv-writer.js';
import { restoreFormula } from '../csv/formula-guard.js';
import { importColumns, type ImportColumns } from '../csv/import-columns.js';
import { holdsText, type ContentType } from '../model/content-type.js';
import { cellToValue, checkValues, searchTextOf } from '../model/field-values.js';
import { ContentItemRepository, type ItemRow } from '../storage/content-item.repository.js';
import { ContentTypeRepository } from '../storage/content-type.repository.js';
import { writeAt } from './write-at.js';

export type ImportMode = 'insert' | 'upsert';

export interface ImportMetadata {
  readonly contentTypeId: string;
  readonly mode: ImportMode;
  readonly originalFileName: string;
}

/** Where an import stands; each batch's rows and this checkpoint commit in one transaction. */
export interface ImportCheckpoint {
  /** Data rows in the file, known once the whole file has been checked. */
  readonly totalRows: number | null;
  readonly rowsDone: number;
  readonly inserted: number;
  readonly updated: number;
  readonly failed: number;
  /** Length of the errors file up to the last committed batch. */
  readonly errorsBytes: number;
  /** Errors found so far, and how many of them the errors file lists (at most MAX_LISTED_ERRORS). */
  readonly errors?: number;
  readonly errorsListed?: number;
}

export interface ImportResult {
  readonly inserted: number;
  readonly updated: number;
  readonly failed: number;
  /** The errors report (line, column, message), when rows failed. */
  readonly fileName?: string;
  /** Errors found beyond the first MAX_LISTED_ERRORS, which the report counts but does not list. */
  readonly errorsNotListed?: number;
}

/** Where the uploaded file lives: the task's own directory, moved there by the command that enqueued it. */
export const UPLOAD_FILE = 'upload.csv';
export const ERRORS_FILE = 'errors.csv';
const BATCH_SIZE = 500;
/**
 * The errors report lists this many errors, then one line counting the rest: a file of nothing but bad
 * rows would otherwise get a report several times its size (every row, every field), kept as long as the task.
 */
export const MAX_LISTED_ERRORS = 10_000;
/** An import adding this many items refreshes the planner's statistics (see ContentItemRepository). */
const REFRESH_STATISTICS_AFTER = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const count = new Intl.NumberFormat('en-US');

interface RowError {
  readonly row: number;
  readonly column: string;
  readonly message: string;
}

/**
 * Imports a CSV file into a content type. Step 1 reads the whole file once, checking its encoding, quoting
 * and header, so that a malformed file fails before anything is written. Step 2 streams it again through
 * the parser, validates each row against the type, and writes batches of 500: each batch and the checkpoint
 * of the row it reached commit in one transaction, so a resumed import neither skips nor repeats a row.
 * Rows that fail validation are reported in an errors CSV (line, column, message) and the others still go in.
 *
 * One import per content type runs at a time, across every instance (each enqueue's concurrency key is its
 * type, importKeyOf): two imports into one type would race on its unique fields and interleave their
 * upserts. Imports into different types run side by side.
 */
@BackgroundTask('cms.import-content-items', { timeout: '2h', maxRetryCount: 2, concurrencyPerKey: 1 })
export class ImportContentItemsTask implements BackgroundTaskExecutor<
  ImportMetadata,
  ImportCheckpoint,
  ImportResult,
  never
> {
  constructor(
    private readonly types: ContentTypeRepository,
    private readonly items: ContentItemRepository,
    private readonly files: TaskFiles,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  initialExecutionMetadata(): ImportCheckpoint {
    return {
      totalRows: null,
      rowsDone: 0,
      inserted: 0,
      updated: 0,
      failed: 0,
      errorsBytes: 0,
      errors: 0,
      errorsListed: 0,
    };
  }

  async execute(
    context: BackgroundTaskContext<ImportMetadata, ImportCheckpoint>,
  ): Promise<TaskOutcome<ImportResult>> {
    const { metadata, progress, signal } = context;
    const type = await this.types.findById(metadata.contentTypeId);
    if (!type) throw new UnrecoverableTaskError('The content type was deleted before the import ran', 'GONE');
    const directory = this.files.directoryFor(context.taskId);
    const upload = join(directory, UPLOAD_FILE);
    let state = context.executionMetadata ?? this.initialExecutionMetadata();

    if (state.totalRows === null) {
      progress({ step: 1, info: `Checking ${metadata.originalFileName}`, percent: 0 });
      state = { ...state, totalRows: await this.checkFile(upload, type, signal) };
      await context.checkpoint(state);
    }
    const totalRows = state.totalRows ?? 0;

    const errors = await open(join(directory, ERRORS_FILE), state.errorsBytes === 0 ? 'w' : 'r+');
    try {
      if (state.errorsBytes === 0)
        state = { ...state, errorsBytes: await writeAt(errors, 0, UTF8_BOM + ERRORS_HEADER) };
      else await errors.truncate(state.errorsBytes);
      let columns: ImportColumns | undefined;
      let batch: CsvRecord[] = [];
      const flush = async () => {
        state = await this.importBatch(context, type, columns!, batch, state, errors);
        batch = [];
        progress({
          step: 2,
          info: `Imported ${count.format(state.rowsDone)} of ${count.format(totalRows)} rows`,
          percent: totalRows === 0 ? 100 : (state.rowsDone / totalRows) * 100,
        });
      };
      progress({ step: 2, info: `Imported 0 of ${count.format(totalRows)} rows`, percent: 0 });
      for await (const record of readCsvRecords(upload)) {
        if (!columns) {
          columns = importColumns(type, record.cells);
          continue;
        }
        if (record.row - 1 <= state.rowsDone) continue; // committed by an earlier run
        signal.throwIfAborted();
        // An id twice in one batch would be inserted twice; the second one waits for the next batch.
        const id = columns.id === undefined ? undefined : record.cells[columns.id];
        if (id && batch.some((queued) => queued.cells[columns!.id!] === id)) await flush();
        batch.push(record);
        if (batch.length === BATCH_SIZE) await flush();
      }
      if (batch.length > 0) await flush();
      progress({ step: 3, info: 'Finishing', percent: 100 });
      // Written after the last checkpoint, at its length: a run that resumes here writes it again, once.
      if (notListed(state) > 0) await writeAt(errors, state.errorsBytes, notListedLine(state));
    } finally {
      await errors.close();
    }
    if (state.failed === 0) await rm(join(directory, ERRORS_FILE), { force: true });
    if (state.inserted >= REFRESH_STATISTICS_AFTER) await this.items.refreshStatistics();
    return TaskOutcome.success({
      inserted: state.inserted,
      updated: state.updated,
      failed: state.failed,
      ...(state.failed > 0 ? { fileName: ERRORS_FILE } : {}),
      ...(notListed(state) > 0 ? { errorsNotListed: notListed(state) } : {}),
    });
  }

  /** Reads the whole file once; returns its number of data rows, or fails the task naming the line. */
  private async checkFile(path: string, type: ContentType, signal: AbortSignal): Promise<number> {
    let rows = 0;
    let sawHeader = false;
    try {
      for await (const record of readCsvRecords(path)) {
        if (record.row === 1) {
          importColumns(type, record.cells);
          sawHeader = true;
        } else rows++;
        if (rows % 10_000 === 0) signal.throwIfAborted();
      }
    } catch (error) {
      if (error instanceof CsvFileError) throw new UnrecoverableTaskError(error.message, 'INVALID_FILE');
      throw error;
    }
    if (!sawHeader)
      throw new UnrecoverableTaskError('Line 1: the file is empty; it needs a header row', 'INVALID_FILE');
    return rows;
  }

  /** Validates, writes and checkpoints one batch, in one transaction; returns the new checkpoint. */
  private async importBatch(
    context: BackgroundTaskContext<ImportMetadata, ImportCheckpoint>,
    type: ContentType,
    columns: ImportColumns,
    batch: readonly CsvRecord[],
    state: ImportCheckpoint,
    errors: FileHandle,
  ): Promise<ImportCheckpoint> {
    return this.unitOfWork.run(async (manager) => {
      const { inserts, updates, rowErrors } = await this.plan(
        context.metadata.mode,
        type,
        columns,
        batch,
        manager,
      );
      await this.items.insertMany(inserts, manager);
      await this.items.updateMany(updates, manager);
      // A checkpoint of an earlier version has no error counts: it listed every error it found.
      const listedBefore = state.errorsListed ?? 0;
      const listed = rowErrors.slice(0, Math.max(0, MAX_LISTED_ERRORS - listedBefore));
      const errorsBytes = state.errorsBytes + (await writeAt(errors, state.errorsBytes, errorsCsv(listed)));
      await errors.datasync(); // the report is durable before the checkpoint that counts it
      const next: ImportCheckpoint = {
        ...state,
        rowsDone: batch[batch.length - 1].row - 1,
        inserted: state.inserted + inserts.length,
        updated: state.updated + updates.length,
        failed: state.failed + new Set(rowErrors.map((error) => error.row)).size,
        errorsBytes,
        errors: (state.errors ?? listedBefore) + rowErrors.length,
        errorsListed: listedBefore + listed.length,
      };
      await context.checkpoint(next, { manager });
      return next;
    });
  }

  /** Decides what each row of a batch becomes: an insert, an update, or errors. */
  private async plan(
    mode: ImportMode,
    type: ContentType,
    columns: ImportColumns,
    batch: readonly CsvRecord[],
    manager: EntityManager,
  ) {
    const now = new Date();
    const inserts: ItemRow[] = [];
    const updates: ItemRow[] = [];
    const rowErrors: RowError[] = [];
    const ids =
      mode === 'upsert' && columns.id !== undefined
        ? batch.map((record) => record.cells[columns.id!].toLowerCase()).filter((id) => UUID.test(id))
        : [];
    const existing = await this.items.findMany(ids, manager);
    for (const record of batch) {
      const cells: Record<string, unknown> = {};
      for (const { index, field } of columns.fields) {
        const cell = record.cells[index];
        cells[field.developerName] = cellToValue(field, holdsText(field) ? restoreFormula(cell) : cell);
      }
      const idCell = mode === 'upsert' && columns.id !== undefined ? record.cells[columns.id] : '';
      if (idCell !== '' && !UUID.test(idCell)) {
        rowErrors.push({ row: record.row, column: 'id', message: 'must be a UUID, or empty for a new item' });
        continue;
      }
      const current = idCell === '' ? undefined : existing.get(idCell.toLowerCase());
      if (current && current.contentTypeId !== type.id) {
        rowErrors.push({
          row: record.row,
          column: 'id',
          message: 'belongs to an item of another content type',
        });
        continue;
      }
      // An update changes the columns the file has and keeps the others.
      const checked = checkValues(type, current ? { ...current.values, ...cells } : cells);
      if (!checked.ok) {
        for (const problem of checked.problems)
          rowErrors.push({ row: record.row, column: problem.field, message: problem.message });
        continue;
      }
      const searchText = searchTextOf(type, checked.values);
      if (current) {
        updates.push({ ...current, values: checked.values, searchText, updatedAt: now });
      } else {
        const id = idCell === '' ? uuidv7() : idCell.toLowerCase();
        inserts.push({
          id,
          contentTypeId: type.id,
          values: checked.values,
          searchText,
          createdAt: now,
          updatedAt: now,
        });
      }
    }
    return { inserts, updates, rowErrors };
  }
}

const ERRORS_HEADER = csvRecords([['line', 'column', 'message']]);

function notListed(state: ImportCheckpoint): number {
  return (state.errors ?? 0) - (state.errorsListed ?? 0);
}

/** The report's last line when errors were left out: no line or column, a message that counts them. */
function notListedLine(state: ImportCheckpoint): string {
  return csvRecords([
    [
      '',
      '',
      `${count.format(notListed(state))} more errors are not listed: the report lists the first ${count.format(MAX_LISTED_ERRORS)}`,
    ],
  ]);
}

/** Row errors as CSV records (line, column, message). */
function errorsCsv(errors: readonly RowError[]): string {
  return errors.length === 0 ? '' : csvRecords(errors.map((e) => [e.row, e.column, e.message]));
}
