import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../../database/database-config.js';
import { PostgresTaskStore } from './postgres/postgres-task-store.js';
import { SqliteTaskStore } from './sqlite/sqlite-task-store.js';
import { SqlServerTaskStore } from './sqlserver/sqlserver-task-store.js';
import { TaskStore } from './task-store.js';

export function createTaskStore(config: DatabaseConfig, dataSource: DataSource): TaskStore {
  const target = config.target;
  switch (target.engine) {
    case 'sqlite':
      return new SqliteTaskStore(target.file);
    case 'postgres':
      return new PostgresTaskStore(
        (dataSource.driver as unknown as { master: Pool }).master,
        config.schema as string,
        config.namedStatements,
      );
    case 'sqlserver':
      return new SqlServerTaskStore(dataSource, config.schema as string);
  }
}
