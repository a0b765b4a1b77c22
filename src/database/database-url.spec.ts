import { parseDatabaseUrl } from './database-url.js';

describe('parseDatabaseUrl', () => {
  it.each([
    ['sqlite:./data/app.db', './data/app.db'],
    ['sqlite:/var/lib/cms/app.db', '/var/lib/cms/app.db'],
    ['sqlite:///var/lib/cms/app.db', '/var/lib/cms/app.db'],
  ])('reads the SQLite file of %s', (url, file) => {
    expect(parseDatabaseUrl(url)).toEqual({ engine: 'sqlite', file });
  });

  it('keeps PostgreSQL URLs whole for the driver', () => {
    expect(parseDatabaseUrl('postgresql://u:p@db:5432/cms?sslmode=require')).toEqual({
      engine: 'postgres',
      url: 'postgresql://u:p@db:5432/cms?sslmode=require',
    });
  });

  it('splits SQL Server URLs into the options mssql takes, decoding credentials', () => {
    expect(
      parseDatabaseUrl('mssql://sa:P%40ss%3Aword@sql:14330/cms?encrypt=false&trustServerCertificate=true'),
    ).toEqual({
      engine: 'sqlserver',
      host: 'sql',
      port: 14330,
      username: 'sa',
      password: 'P@ss:word',
      database: 'cms',
      encrypt: false,
      trustServerCertificate: true,
    });
    expect(parseDatabaseUrl('sqlserver://sa:x@sql/cms')).toMatchObject({ port: 1433, encrypt: true });
  });

  it('rejects a SQL Server URL without a database', () => {
    expect(() => parseDatabaseUrl('mssql://sa:x@sql')).toThrow(/needs a host and a database/);
  });
});
