import type { DatabaseConfig } from './database-config.js';
import type { DatabaseEngine } from './database-url.js';
import { sqlServerIdOrder } from './sqlserver-id-order.js';
import { sqlServerDatetime2, sqlServerFloat } from './sqlserver-parameters.js';

/** The placeholder of the n-th parameter (0-based) on an engine, as its driver takes it. */
export function placeholderOf(engine: DatabaseEngine, index: number): string {
  return engine === 'postgres' ? `$${index + 1}` : engine === 'sqlserver' ? `@${index}` : '?';
}

/** How a timestamp is bound on an engine (see SqlDialect.timestamp). */
export function timestampOf(engine: DatabaseEngine, value: Date): unknown {
  if (engine === 'sqlite') return value.toISOString();
  return engine === 'sqlserver' ? sqlServerDatetime2(value) : value;
}

/**
 * The few things hand-written SQL must say differently per engine. Identifiers passed in are always
 * validated names (table names, schema from configuration, field names matching /^[a-z][a-z0-9_]*$/).
 */
export class SqlDialect {
  readonly engine: DatabaseEngine;

  constructor(private readonly config: DatabaseConfig) {
    this.engine = config.engine;
  }

  /** A table qualified with the configured schema. */
  table(name: string): string {
    if (this.engine === 'sqlite') return `"${name}"`;
    return this.engine === 'postgres'
      ? `"${this.config.schema}"."${name}"`
      : `[${this.config.schema}].[${name}]`;
  }

  /** The placeholder of the n-th parameter (0-based), as TypeORM passes it to the driver. */
  placeholder(index: number): string {
    return placeholderOf(this.engine, index);
  }

  /**
   * How a timestamp is bound: ISO text on SQLite (it sorts like time), a Date on PostgreSQL, and a Date typed
   * as datetime2(3) on SQL Server, where an untyped Date goes as datetime and loses its milliseconds.
   */
  timestamp(value: Date): unknown {
    return timestampOf(this.engine, value);
  }

  /** How a floating-point number is bound: typed as float on SQL Server (see sqlserver-parameters.ts). */
  float(value: number): unknown {
    return this.engine === 'sqlserver' ? sqlServerFloat(value) : value;
  }

  /**
   * The column that orders rows by id in creation order: the id itself (UUIDv7, compared as bytes or text),
   * or on SQL Server, where uniqueidentifier compares its last bytes first, the id as text (`id_order`).
   */
  get idOrder(): string {
    return this.engine === 'sqlserver' ? 'id_order' : 'id';
  }

  /** How an id compared with `idOrder` is bound. */
  idOrderValue(id: string): unknown {
    return this.engine === 'sqlserver' ? sqlServerIdOrder(id) : id;
  }

  /** `ORDER BY … LIMIT n` or SQL Server's `OFFSET 0 ROWS FETCH NEXT n ROWS ONLY`. */
  limit(placeholder: string): string {
    return this.engine === 'sqlserver'
      ? `OFFSET 0 ROWS FETCH NEXT ${placeholder} ROWS ONLY`
      : `LIMIT ${placeholder}`;
  }

  /**
   * `column IN (list)` for a list bound as one JSON array parameter, so that one statement text serves any
   * length. `pgType` casts the elements on PostgreSQL, which compares no uuid with text.
   */
  inJsonList(column: string, placeholder: string, pgType = 'text'): string {
    if (this.engine === 'postgres') {
      return `${column} IN (SELECT value::${pgType} FROM jsonb_array_elements_text(${placeholder}::jsonb) AS value)`;
    }
    if (this.engine === 'sqlserver') return `${column} IN (SELECT value FROM OPENJSON(${placeholder}))`;
    return `${column} IN (SELECT value FROM json_each(${placeholder}))`;
  }

  /** Rows after (a, b) in (a, b) order: a row-value comparison, or its expansion on SQL Server. */
  after(a: string, b: string, pa: string, pb: string, direction: 'asc' | 'desc' = 'asc'): string {
    const op = direction === 'asc' ? '>' : '<';
    if (this.engine === 'sqlserver') return `(${a} ${op} ${pa} OR (${a} = ${pa} AND ${b} ${op} ${pb}))`;
    return `(${a}, ${b}) ${op} (${pa}, ${pb})`;
  }

  /** `text LIKE pattern` with `\` as the escape character, case-insensitively for ASCII on every engine. */
  like(text: string, placeholder: string): string {
    return `${text} LIKE ${placeholder} ESCAPE '\\'`;
  }
}

/** A LIKE pattern matching `text` anywhere, with LIKE's wildcards in it taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_[]/g, (char) => `\\${char}`)}%`;
}
