// The drizzle client over the D1 binding (the only module besides config.ts that reads bindings),
// and the statements-and-batches helpers every multi-row change goes through.
import { drizzle, type DrizzleD1Database } from 'drizzle-orm/d1';
import * as schema from './schema';

export type Database = DrizzleD1Database<typeof schema> & { $client: D1Database };

/** A statement ready for one D1 batch (D1 runs a batch as one transaction). */
export type Statement = D1PreparedStatement;

export function createDatabase(bindings: { DB: D1Database }): Database {
  return drizzle(bindings.DB, { schema });
}

/**
 * A drizzle query builder as a native D1 statement. drizzle's own batch() can't mix in hand-written
 * SQL with parameters, so every batch is built from native statements instead.
 */
export function statementFrom(db: Database, query: { toSQL(): { sql: string; params: unknown[] } }): Statement {
  const { sql, params } = query.toSQL();
  return db.$client.prepare(sql).bind(...params);
}

/** Hand-written SQL with `?` placeholders, for what the query builder can't say (conditional inserts). */
export function sqlStatement(db: Database, sql: string, ...params: unknown[]): Statement {
  return db.$client.prepare(sql).bind(...params);
}

/** Runs statements as one D1 batch: one round trip, all or nothing. */
export function runBatch(db: Database, statements: Statement[]): Promise<D1Result[]> {
  return db.$client.batch(statements);
}

/** The rows a batched statement returned (SELECT or RETURNING), with SQL column names. */
export function rowsOf<T>(result: D1Result | undefined): T[] {
  return (result?.results ?? []) as T[];
}

/** A SQL condition that gates a batched statement, e.g. "only if this request claimed the token". */
export interface Condition {
  sql: string;
  params: unknown[];
}

export const ALWAYS: Condition = { sql: '1', params: [] };

/** A condition that holds when all of `conditions` hold. */
export function allOf(...conditions: Condition[]): Condition {
  return { sql: conditions.map((c) => `(${c.sql})`).join(' AND ') || '1', params: conditions.flatMap((c) => c.params) };
}

/** D1 reports unique violations only through the message text, e.g. "users.email". */
export function isUniqueViolation(err: unknown, column: string): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e.message.includes(`UNIQUE constraint failed: ${column}`)) return true;
  }
  return false;
}
