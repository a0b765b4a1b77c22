import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Mutex } from '../shared/mutex.js';
import { DatabaseConfig } from './database-config.js';

/**
 * Runs work in one database transaction. On SQLite, TypeORM has a single connection, so two transactions
 * open at once would nest as savepoints of one another: a rollback of either would take the other's
 * writes with it. Transactions are therefore serialized there, in this process; other processes wait on
 * SQLite's write lock (transactions start with BEGIN IMMEDIATE, see data-source-options.ts). On PostgreSQL
 * and SQL Server each transaction has a pooled connection of its own and they run side by side.
 *
 * Every write of the application's own modules goes through here, so that none runs outside a
 * transaction while another is open on SQLite's shared connection.
 */
@Injectable()
export class UnitOfWork {
  private readonly sqliteTransactions = new Mutex();

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: DatabaseConfig,
  ) {}

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const transaction = () => this.dataSource.transaction(work);
    return this.config.engine === 'sqlite' ? this.sqliteTransactions.run(transaction) : transaction();
  }
}
