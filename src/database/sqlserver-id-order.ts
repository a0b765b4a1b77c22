import { MssqlParameter } from 'typeorm';

/**
 * SQL Server orders a uniqueidentifier by its last six bytes first, so the UUIDv7 ids of this schema, made in
 * time order, are not in that order there. Each table keeps `id_order` beside the id (migration
 * 1765200000000): the id as upper-case text, whose order is the order the ids were made in, for the claim,
 * the task list and the item pages, where the other engines order by the id itself.
 */

/** The `id_order` value of an id (a uniqueidentifier, or its text in a parameter), as every insert writes it. */
export const sqlServerIdOrderOf = (id: string): string =>
  `CONVERT(char(36), CONVERT(uniqueidentifier, ${id}))`;

/** An id bound for a comparison with `id_order`, as a keyset cursor has it. */
export const sqlServerIdOrder = (id: string): MssqlParameter =>
  new MssqlParameter(id.toUpperCase(), 'char', 36);
