// Sliding-window rate-limit counters in D1: one row per counted attempt, exact and testable.
import { ALWAYS, sqlStatement, type Condition, type Database, type Statement } from './client';

export interface RateWindow {
  key: string;
  limit: number;
  windowMs: number;
}

export interface RateState {
  hits: number;
  oldest: number | null;
}

/**
 * Batchable: counts one attempt in every window, or in none when any of them is full; RETURNING
 * gives one `{id, key}` per counted attempt. D1 runs statements one at a time, so concurrent
 * requests can never overfill a window: the check and the insert are one statement.
 */
export function takeRateLimitStatement(db: Database, windows: RateWindow[], now: Date): Statement {
  const keys = windows.map(() => '(?)').join(', ');
  const room = windows
    .map(() => '(SELECT count(*) FROM rate_limit_hits WHERE key = ? AND hit_at > ?) < ?')
    .join(' AND ');
  return sqlStatement(
    db,
    `INSERT INTO rate_limit_hits (key, hit_at)
     SELECT column1, ? FROM (VALUES ${keys}) WHERE ${room}
     RETURNING id, key`,
    now.getTime(),
    ...windows.map((window) => window.key),
    ...windows.flatMap((window) => [window.key, now.getTime() - window.windowMs, window.limit]),
  );
}

/** Batchable: how many attempts the window holds and when the oldest happened; rows are RateState. */
export function rateLimitStateStatement(db: Database, window: RateWindow, now: Date): Statement {
  return sqlStatement(
    db,
    'SELECT count(*) AS hits, min(hit_at) AS oldest FROM rate_limit_hits WHERE key = ? AND hit_at > ?',
    window.key,
    now.getTime() - window.windowMs,
  );
}

/** Holds while the window has room for one more attempt: gates a change that records its hit after. */
export function windowHasRoom(window: RateWindow, now: Date): Condition {
  return {
    sql: '(SELECT count(*) FROM rate_limit_hits WHERE key = ? AND hit_at > ?) < ?',
    params: [window.key, now.getTime() - window.windowMs, window.limit],
  };
}

/** Batchable: counts one attempt in the window if `when` holds (for a statement that checked the room itself). */
export function recordRateLimitHitStatement(db: Database, window: RateWindow, now: Date, when: Condition): Statement {
  return sqlStatement(
    db,
    `INSERT INTO rate_limit_hits (key, hit_at) SELECT ?, ? WHERE ${when.sql}`,
    window.key,
    now.getTime(),
    ...when.params,
  );
}

/** Batchable: gives back one counted attempt (a password check that turned out right). */
export function releaseRateLimitHitStatement(db: Database, id: number, when: Condition = ALWAYS): Statement {
  return sqlStatement(db, `DELETE FROM rate_limit_hits WHERE id = ? AND ${when.sql}`, id, ...when.params);
}

/** Batchable: forgets a key's attempts (a successful login clears its failures), if `when` holds. */
export function clearRateLimitStatement(db: Database, key: string, when: Condition = ALWAYS): Statement {
  return sqlStatement(db, `DELETE FROM rate_limit_hits WHERE key = ? AND ${when.sql}`, key, ...when.params);
}
