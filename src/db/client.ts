// The drizzle client over the D1 binding (the only module besides config.ts that reads bindings),
// and the statements-and-batches helpers every multi-row change goes through.
//
// Which way a query is written (only here in src/db/: ESLint refuses SQL elsewhere):
// - drizzle's builder wherever it can say the query, awaited alone or in drizzle's own db.batch():
//   columns and types come from schema.ts, and rows come back with the schema's keys.
// - native D1 statements (`Statement`) for a batch that must also run hand-written SQL, because
//   drizzle's batch() cannot: db.run()/db.all() are documented as batchable, but with parameters
//   they throw (drizzle-orm 0.45, drizzle-team/drizzle-orm#2277; test/db-client.test.ts shows it).
//   statementFrom() turns a builder query into one; sqlStatement() takes SQL with `?` parameters,
//   never interpolated values. Their rows (rowsOf) carry SQL's column names, not the builder's
//   keys: a statement whose rows are read aliases what it selects (`last_event_created AS created`).
// - on a hot read the profile singles out, the SQL drizzle built once with placeholders
//   (findAccountWithSession): building queries costs more than running them there.
// - hand-written SQL for what the builder cannot say: writes gated by a condition on other rows
//   (INSERT ... SELECT ... WHERE), an upsert that refuses older data, RETURNING read as "did this
//   batch take effect", json_each over a list.
import { drizzle, type DrizzleD1Database } from 'drizzle-orm/d1';

export type Database = DrizzleD1Database & { $client: D1Database };

/** A statement ready for one D1 batch (D1 runs a batch as one transaction). */
export type Statement = D1PreparedStatement;

/**
 * Without the schema: given one, drizzle derives its relational-query config on every call (the
 * largest cost of a request to /api/health in the profile, ~15 µs in Node), and nothing here uses
 * `db.query.*`; the builder takes its tables from schema.ts imports.
 */
export function createDatabase(bindings: { DB: D1Database }): Database {
  return drizzle(bindings.DB);
}

/** The audit archive's R2 bucket (admin/audit-archive.ts), or null where none is bound: the binding is optional. */
export function openAuditArchive(bindings: object): R2Bucket | null {
  return (bindings as { AUDIT_ARCHIVE?: R2Bucket }).AUDIT_ARCHIVE ?? null;
}

/**
 * One request's two ways to D1 (read replication; README "Reads near the user"). Each is a D1
 * session (Sessions API), opened on first use, so a request that never reads from a replica opens
 * only the primary's.
 */
export interface RequestDatabases {
  /** Writes, and every read a decision rests on (tokens, rate limits, guards): starts at the primary. */
  readonly primary: Database;
  /** Pure reads: a session that starts at the client's bookmark, or at the nearest replica without one. */
  readonly replica: Database;
  /** The newest bookmark the request's sessions reached (null when it used none), for X-D1-Bookmark. */
  bookmark(): string | null;
}

/**
 * D1's bookmarks look like `00000001-00000002-00004f2c-<32 hex>`; anything else is not passed to D1
 * (the read then starts unconstrained, as without a bookmark). Bounded, so a header cannot be huge.
 */
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

export function isBookmark(value: string | undefined): value is string {
  return value !== undefined && BOOKMARK.test(value);
}

export function openDatabases(bindings: { DB: D1Database }, clientBookmark: string | null): RequestDatabases {
  let primarySession: D1DatabaseSession | undefined;
  let replicaSession: D1DatabaseSession | undefined;
  let primary: Database | undefined;
  let replica: Database | undefined;
  return {
    get primary() {
      primarySession ??= bindings.DB.withSession('first-primary');
      return (primary ??= drizzleOver(primarySession));
    },
    get replica() {
      replicaSession ??= bindings.DB.withSession(clientBookmark ?? 'first-unconstrained');
      return (replica ??= drizzleOver(replicaSession));
    },
    bookmark() {
      // Bookmarks are ordered as strings (fixed-width hex): the greater one is the newer state.
      const a = primarySession?.getBookmark() ?? null;
      const b = replicaSession?.getBookmark() ?? null;
      return a === null ? b : b === null || a > b ? a : b;
    },
  };
}

/**
 * drizzle 0.45's D1 driver is typed for D1Database but calls only prepare() and batch() on it
 * (d1/session.js), which a D1 session has too; so do statementFrom, sqlStatement and runBatch.
 */
function drizzleOver(session: D1DatabaseSession): Database {
  return drizzle(session as unknown as D1Database);
}

/** A drizzle query builder as a native D1 statement, to batch with hand-written ones. */
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
export const NEVER: Condition = { sql: '0', params: [] };

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
