// Sliding-window rate-limit counters in D1: one row per counted attempt, exact and testable.
import { sqlStatement, type Database, type Statement } from './client';

export interface RateWindow {
  key: string;
  limit: number;
  windowMs: number;
}

export interface RateState {
  hits: number;
  oldest: number | null;
}

/** Batchable: counts an attempt unless the window is already full; RETURNING tells which. */
export function takeRateLimitStatement(db: Database, window: RateWindow, now: Date): Statement {
  return sqlStatement(
    db,
    `INSERT INTO rate_limit_hits (key, hit_at)
     SELECT ?1, ?2 WHERE (SELECT count(*) FROM rate_limit_hits WHERE key = ?1 AND hit_at > ?3) < ?4
     RETURNING id`,
    window.key,
    now.getTime(),
    now.getTime() - window.windowMs,
    window.limit,
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

/** Batchable: counts an attempt unconditionally (a failed login, after the fact). */
export function recordRateLimitHitStatement(db: Database, key: string, now: Date): Statement {
  return sqlStatement(db, 'INSERT INTO rate_limit_hits (key, hit_at) VALUES (?, ?)', key, now.getTime());
}

/** Batchable: forgets a key's attempts (a successful login clears its failures). */
export function clearRateLimitStatement(db: Database, key: string): Statement {
  return sqlStatement(db, 'DELETE FROM rate_limit_hits WHERE key = ?', key);
}
