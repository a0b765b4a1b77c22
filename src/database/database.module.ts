import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseConfig } from './database-config.js';
import { buildDataSourceOptions } from './data-source-options.js';
import { SqlDialect } from './sql-dialect.js';
import { SqlRunner } from './sql-runner.js';
import { UnitOfWork } from './unit-of-work.js';

const sqlDialect = {
  provide: SqlDialect,
  inject: [DatabaseConfig],
  useFactory: (config: DatabaseConfig) => new SqlDialect(config),
};

/**
 * TypeORM's DataSource for the configured engine (entities come from each feature's forFeature()), and the
 * helpers for hand-written SQL: the dialect, a runner with one result shape, and transactions.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [DatabaseConfig],
      useFactory: (config: DatabaseConfig) => ({ ...buildDataSourceOptions(config), autoLoadEntities: true }),
    }),
  ],
  providers: [sqlDialect, SqlRunner, UnitOfWork],
  exports: [sqlDialect, SqlRunner, UnitOfWork],
})
export class DatabaseModule {}
