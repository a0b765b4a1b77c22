import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SqlDialect } from '../../database/sql-dialect.js';
import { SqlRunner } from '../../database/sql-runner.js';
import { ContentTypeNotFoundError } from '../content.errors.js';
import type { ContentType } from '../model/content-type.js';
import { toContentType } from './content-rows.js';

const COLUMNS =
  'id, developer_name, label_singular, label_plural, description, fields, created_at, updated_at';

/** Content types: few, small rows, read far more often than written. */
@Injectable()
export class ContentTypeRepository {
  constructor(
    private readonly sql: SqlRunner,
    private readonly dialect: SqlDialect,
  ) {}

  private get table(): string {
    return this.dialect.table('content_types');
  }

  async insert(type: ContentType, manager: EntityManager): Promise<void> {
    const p = (i: number) => this.dialect.placeholder(i);
    await this.sql.run(
      `INSERT INTO ${this.table} (${COLUMNS}) VALUES (${[0, 1, 2, 3, 4, 5, 6, 7].map(p).join(', ')})`,
      [
        type.id,
        type.developerName,
        type.labelSingular,
        type.labelPlural,
        type.description,
        JSON.stringify(type.fields),
        this.dialect.timestamp(type.createdAt),
        this.dialect.timestamp(type.updatedAt),
      ],
      manager,
    );
  }

  async findByDeveloperName(
    developerName: string,
    manager?: EntityManager,
  ): Promise<ContentType | undefined> {
    const rows = await this.sql.rows(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE developer_name = ${this.dialect.placeholder(0)}`,
      [developerName],
      manager,
    );
    return rows[0] ? toContentType(rows[0]) : undefined;
  }

  /** The content type, or the 404 error for an unknown developer name. */
  async require(developerName: string, manager?: EntityManager): Promise<ContentType> {
    const type = await this.findByDeveloperName(developerName, manager);
    if (!type) throw new ContentTypeNotFoundError(developerName);
    return type;
  }

  async findById(id: string): Promise<ContentType | undefined> {
    const rows = await this.sql.rows(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE id = ${this.dialect.placeholder(0)}`,
      [id],
    );
    return rows[0] ? toContentType(rows[0]) : undefined;
  }

  async list(): Promise<ContentType[]> {
    const rows = await this.sql.rows(`SELECT ${COLUMNS} FROM ${this.table} ORDER BY developer_name`);
    return rows.map(toContentType);
  }
}
