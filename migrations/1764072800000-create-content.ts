import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MigrationContext } from './support/migration-context.js';

/**
 * The CMS: content types (with their ordered field definitions as JSON) and content items (their values as
 * JSON: jsonb on PostgreSQL). (content_type_id, created_at, id) serves the default list order and every
 * export page; (content_type_id, updated_at, id) the "recently changed" order. search_text holds the
 * lower-cased text of an item's text fields, for the list's search.
 */
export class CreateContent1764072800000 implements MigrationInterface {
  name = 'CreateContent1764072800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    const types = db.table('content_types');
    const items = db.table('content_items');
    await db.run({
      sqlite: [
        `CREATE TABLE ${types} (
          id TEXT PRIMARY KEY NOT NULL,
          developer_name TEXT NOT NULL UNIQUE,
          label_singular TEXT NOT NULL,
          label_plural TEXT NOT NULL,
          description TEXT,
          fields TEXT NOT NULL CHECK (json_valid(fields)),
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        )`,
        `CREATE TABLE ${items} (
          id TEXT PRIMARY KEY NOT NULL,
          content_type_id TEXT NOT NULL REFERENCES content_types (id) ON DELETE CASCADE,
          field_values TEXT NOT NULL CHECK (json_valid(field_values)),
          search_text TEXT NOT NULL DEFAULT '',
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        )`,
        `CREATE INDEX content_items_created ON ${items} (content_type_id, created_at, id)`,
        `CREATE INDEX content_items_updated ON ${items} (content_type_id, updated_at, id)`,
      ],
      postgres: [
        `CREATE TABLE ${types} (
          id uuid PRIMARY KEY,
          developer_name varchar(100) NOT NULL UNIQUE,
          label_singular varchar(200) NOT NULL,
          label_plural varchar(200) NOT NULL,
          description varchar(2000),
          fields jsonb NOT NULL,
          created_at timestamptz(3) NOT NULL,
          updated_at timestamptz(3) NOT NULL
        )`,
        `CREATE TABLE ${items} (
          id uuid PRIMARY KEY,
          content_type_id uuid NOT NULL REFERENCES ${types} (id) ON DELETE CASCADE,
          field_values jsonb NOT NULL,
          search_text text NOT NULL DEFAULT '',
          created_at timestamptz(3) NOT NULL,
          updated_at timestamptz(3) NOT NULL
        )`,
        `CREATE INDEX content_items_created ON ${items} (content_type_id, created_at, id)`,
        `CREATE INDEX content_items_updated ON ${items} (content_type_id, updated_at, id)`,
      ],
      sqlserver: [
        `CREATE TABLE ${types} (
          id uniqueidentifier NOT NULL CONSTRAINT PK_content_types PRIMARY KEY,
          developer_name nvarchar(100) NOT NULL CONSTRAINT UX_content_types_developer_name UNIQUE,
          label_singular nvarchar(200) NOT NULL,
          label_plural nvarchar(200) NOT NULL,
          description nvarchar(2000) NULL,
          fields nvarchar(max) NOT NULL CONSTRAINT CK_content_types_fields CHECK (ISJSON(fields) = 1),
          created_at datetime2(3) NOT NULL,
          updated_at datetime2(3) NOT NULL
        )`,
        `CREATE TABLE ${items} (
          id uniqueidentifier NOT NULL CONSTRAINT PK_content_items PRIMARY KEY NONCLUSTERED,
          content_type_id uniqueidentifier NOT NULL
            CONSTRAINT FK_content_items_type REFERENCES ${types} (id) ON DELETE CASCADE,
          field_values nvarchar(max) NOT NULL CONSTRAINT CK_content_items_values CHECK (ISJSON(field_values) = 1),
          search_text nvarchar(max) NOT NULL CONSTRAINT DF_content_items_search DEFAULT '',
          created_at datetime2(3) NOT NULL,
          updated_at datetime2(3) NOT NULL
        )`,
        // Clustered in export order: an export reads the table in the order it is stored.
        `CREATE CLUSTERED INDEX IX_content_items_created ON ${items} (content_type_id, created_at, id)`,
        `CREATE INDEX IX_content_items_updated ON ${items} (content_type_id, updated_at, id)`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    const drop = [`DROP TABLE ${db.table('content_items')}`, `DROP TABLE ${db.table('content_types')}`];
    await db.run({ sqlite: drop, postgres: drop, sqlserver: drop });
  }
}
