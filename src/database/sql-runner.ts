import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';

export type SqlRow = Record<string, unknown>;

export interface SqlResult {
  readonly records: SqlRow[];
  readonly affected: number;
}

/**
 * Runs hand-written SQL through TypeORM, on the caller's transaction when given its manager, and returns
 * rows and affected counts in one shape on every engine (TypeORM's plain `query` returns `[rows, count]`
 * for an UPDATE on PostgreSQL and rows elsewhere).
 */
@Injectable()
export class SqlRunner {
  constructor(private readonly dataSource: DataSource) {}

  async run(sql: string, params: unknown[] = [], manager?: EntityManager): Promise<SqlResult> {
    const own = manager?.queryRunner === undefined;
    const runner: QueryRunner = manager?.queryRunner ?? this.dataSource.createQueryRunner();
    try {
      const result = await runner.query(sql, params, true);
      return { records: (result.records ?? []) as SqlRow[], affected: result.affected ?? 0 };
    } finally {
      if (own) await runner.release();
    }
  }

  async rows<T = SqlRow>(sql: string, params: unknown[] = [], manager?: EntityManager): Promise<T[]> {
    return (await this.run(sql, params, manager)).records as T[];
  }
}
