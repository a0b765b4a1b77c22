import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { DatabaseConfig } from '../../src/database/database-config.js';
import { parseDatabaseUrl } from '../../src/database/database-url.js';

/**
 * `.ci/run`'s probe: exits 0 when a T-SQL server answers at TEST_MSSQL_URL, creating the URL's database
 * there when it is missing (a fresh Babelfish cluster has only master, tempdb and msdb), and 1 otherwise.
 */
async function main(): Promise<void> {
  const target = parseDatabaseUrl(process.env.TEST_MSSQL_URL ?? '');
  if (target.engine !== 'sqlserver') throw new Error('it is not an mssql:// URL');
  const options = buildDataSourceOptions(new DatabaseConfig({ ...target, database: 'master' }, 'dbo'));
  const master = new DataSource({ ...options, migrations: [], connectionTimeout: 5_000 } as typeof options);
  await master.initialize();
  try {
    const name = target.database.replace(/]/g, ']]');
    await master.query(`IF DB_ID(@0) IS NULL CREATE DATABASE [${name}]`, [target.database]);
  } finally {
    await master.destroy();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(`No T-SQL server answers at TEST_MSSQL_URL: ${reason}`);
    process.exit(1);
  },
);
