// Queries on API keys and their rate-limit windows. Loaded with the API-keys feature.
import { ALWAYS, rowsOf, runBatch, sqlStatement, type Condition, type Database, type Statement } from './client';

/** Who holds a key: a user, or an organization. */
export type ApiKeyOwner = { userId: string } | { organizationId: string };

/** The columns lists show (never the hash). */
export interface ApiKeyRow {
  id: string;
  start: string;
  last4: string;
  user_id: string | null;
  organization_id: string | null;
  name: string;
  scopes: string;
  rate_limit_per_minute: number;
  expires_at: number | null;
  created_at: number;
  created_by: string | null;
  last_used_at: number | null;
  revoked_at: number | null;
  revoked_by: string | null;
}

const LISTED_COLUMNS =
  'id, start, last4, user_id, organization_id, name, scopes, rate_limit_per_minute, expires_at, created_at, ' +
  'created_by, last_used_at, revoked_at, revoked_by';
/** The same, of `api_keys k` in a join. */
const LISTED_KEY_COLUMNS = LISTED_COLUMNS.split(', ')
  .map((column) => `k.${column}`)
  .join(', ');

/** An owner may hold this many keys that are neither revoked nor expired. */
export const MAX_LIVE_API_KEYS_PER_OWNER = 50;
/**
 * And keeps this many revoked or expired ones listed (for 30 days at most, the cron job's rule):
 * making a key deletes older ones past it, so making and revoking keys in a loop cannot grow an
 * owner's list, or D1, without end (the audit log keeps the history).
 */
export const MAX_DEAD_API_KEYS_PER_OWNER = 50;

const ownerColumn = (owner: ApiKeyOwner) =>
  'userId' in owner ? { column: 'user_id', id: owner.userId } : { column: 'organization_id', id: owner.organizationId };

const liveKeySql = '(revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?))';

/**
 * Batchable, before a key is made (if `when` holds): deletes the owner's revoked or expired keys
 * past the newest MAX_DEAD_API_KEYS_PER_OWNER.
 */
export function pruneDeadApiKeysStatement(
  db: Database,
  owner: ApiKeyOwner,
  now: Date,
  when: Condition = ALWAYS,
): Statement {
  const { column, id } = ownerColumn(owner);
  const dead = `${column} = ? AND NOT ${liveKeySql}`;
  return sqlStatement(
    db,
    `DELETE FROM api_keys WHERE ${dead} AND id NOT IN (
       SELECT id FROM api_keys WHERE ${dead} ORDER BY coalesce(revoked_at, expires_at) DESC, id LIMIT ?)
     AND ${when.sql}`,
    id,
    now.getTime(),
    id,
    now.getTime(),
    MAX_DEAD_API_KEYS_PER_OWNER,
    ...when.params,
  );
}

/**
 * Batchable: the new key, only while its owner holds fewer than MAX_LIVE_API_KEYS_PER_OWNER live
 * keys and `when` holds (0 changes otherwise). D1 runs one statement at a time, so parallel
 * creations never pass the limit.
 */
export function insertApiKeyStatement(
  db: Database,
  key: Omit<ApiKeyRow, 'last_used_at' | 'revoked_at' | 'revoked_by' | 'user_id' | 'organization_id'> & {
    keyHash: string;
    owner: ApiKeyOwner;
  },
  when: Condition = ALWAYS,
): Statement {
  const { column, id } = ownerColumn(key.owner);
  return sqlStatement(
    db,
    `INSERT INTO api_keys (id, key_hash, start, last4, ${column}, name, scopes, rate_limit_per_minute, expires_at,
       created_at, created_by)
     SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
     WHERE (SELECT count(*) FROM api_keys WHERE ${column} = ? AND ${liveKeySql}) < ? AND ${when.sql}`,
    key.id,
    key.keyHash,
    key.start,
    key.last4,
    id,
    key.name,
    key.scopes,
    key.rate_limit_per_minute,
    key.expires_at,
    key.created_at,
    key.created_by,
    id,
    key.created_at,
    MAX_LIVE_API_KEYS_PER_OWNER,
    ...when.params,
  );
}

/** Holds once the key with this id exists: gates the audit entry of its creation in the same batch. */
export const apiKeyExists = (id: string): Condition => ({
  sql: 'EXISTS (SELECT 1 FROM api_keys WHERE id = ?)',
  params: [id],
});

/** The owner's keys, newest first, with the newest revoked or expired ones (see MAX_DEAD_API_KEYS_PER_OWNER). */
export async function listApiKeys(db: Database, owner: ApiKeyOwner): Promise<ApiKeyRow[]> {
  const { column, id } = ownerColumn(owner);
  const rows = await sqlStatement(
    db,
    `SELECT ${LISTED_COLUMNS} FROM api_keys WHERE ${column} = ? ORDER BY created_at DESC, id`,
    id,
  ).all<ApiKeyRow>();
  return rows.results;
}

/** True when the user or organization exists (the admin area's lists answer 404 otherwise). */
export async function ownerExists(db: Database, owner: ApiKeyOwner): Promise<boolean> {
  const sql =
    'userId' in owner
      ? 'SELECT 1 AS found FROM users WHERE id = ?'
      : 'SELECT 1 AS found FROM organizations WHERE id = ?';
  return (await sqlStatement(db, sql, 'userId' in owner ? owner.userId : owner.organizationId).first()) !== null;
}

export async function findApiKey(db: Database, id: string): Promise<ApiKeyRow | null> {
  return (await sqlStatement(db, `SELECT ${LISTED_COLUMNS} FROM api_keys WHERE id = ?`, id).first<ApiKeyRow>()) ?? null;
}

/**
 * Batchable: revokes the key if it is the owner's (any owner when `owner` is null) and not yet
 * revoked, and `when` holds; RETURNING the key, so one of parallel revocations sees it.
 */
export function revokeApiKeyStatement(
  db: Database,
  input: { id: string; owner: ApiKeyOwner | null; revokedBy: string; now: Date },
  when: Condition = ALWAYS,
): Statement {
  const owned = input.owner ? ownerColumn(input.owner) : null;
  return sqlStatement(
    db,
    `UPDATE api_keys SET revoked_at = ?, revoked_by = ?
     WHERE id = ? AND revoked_at IS NULL ${owned ? `AND ${owned.column} = ?` : ''} AND ${when.sql}
     RETURNING ${LISTED_COLUMNS}`,
    input.now.getTime(),
    input.revokedBy,
    input.id,
    ...(owned ? [owned.id] : []),
    ...when.params,
  );
}

/**
 * Batchable, right after revokeApiKeyStatement: the audit entry of the revocation, only if that
 * statement revoked the key (`changes()`), so of parallel revocations exactly one is recorded. The
 * entry names the key's user (for a user's key) and the key in its metadata.
 */
export function auditRevocationStatement(
  db: Database,
  input: {
    auditId: string;
    id: string;
    action: string;
    actorId: string | null;
    ip: string | null;
    userAgent: string | null;
    now: Date;
  },
): Statement {
  return sqlStatement(
    db,
    `INSERT INTO audit_log (id, user_id, actor_id, action, ip_address, user_agent, metadata, created_at)
     SELECT ?, COALESCE(user_id, revoked_by), ?, ?, ?, ?,
       json_object('api_key_id', id, 'name', name, 'owner_user_id', user_id, 'organization_id', organization_id), ?
     FROM api_keys WHERE id = ? AND changes() = 1`,
    input.auditId,
    input.actorId,
    input.action,
    input.ip,
    input.userAgent,
    input.now.getTime(),
    input.id,
  );
}

/** A key found by its hash, with its owner's state and its current rate-limit window. */
export interface PresentedKeyRow extends ApiKeyRow {
  /** The owning user's `disabled_at` (null for enabled users and for organizations' keys). */
  owner_disabled_at: number | null;
  window_start: number | null;
  hits: number | null;
}

/**
 * One batch (one D1 round trip) for a presented key: count the request in the key's window of
 * this minute, only if the key is live, its owner enabled and the window has room; then read the
 * key by its hash (a unique index) with its owner's state and the window. The first statement's
 * RETURNING says whether the request was counted. A request that reaches D1 late, stamped with an
 * earlier minute than the row's, counts in the row's minute: it never starts the count again.
 */
export async function useApiKey(
  db: Database,
  input: { keyHash: string; now: Date; windowStart: number },
  /** Reads to make in the same round trip (keyOwnerAccountStatements); their results come back as `also`. */
  also: Statement[] = [],
): Promise<{ counted: boolean; key: PresentedKeyRow | null; also: D1Result[] }> {
  const now = input.now.getTime();
  const [counted, found, ...alsoResults] = await runBatch(db, [
    sqlStatement(
      db,
      `INSERT INTO api_key_rate_windows (key_id, window_start, hits)
       SELECT k.id, ?, 1 FROM api_keys k
       WHERE k.key_hash = ? AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ?)
         AND (k.user_id IS NULL OR EXISTS (SELECT 1 FROM users u WHERE u.id = k.user_id AND u.disabled_at IS NULL))
       ON CONFLICT (key_id) DO UPDATE SET
         hits = CASE WHEN excluded.window_start > window_start THEN 1 ELSE hits + 1 END,
         window_start = max(window_start, excluded.window_start)
       WHERE excluded.window_start > window_start
          OR hits < (SELECT rate_limit_per_minute FROM api_keys WHERE id = excluded.key_id)
       RETURNING hits`,
      input.windowStart,
      input.keyHash,
      now,
    ),
    sqlStatement(
      db,
      `SELECT ${LISTED_KEY_COLUMNS}, u.disabled_at AS owner_disabled_at, w.window_start, w.hits
       FROM api_keys k
       LEFT JOIN users u ON u.id = k.user_id
       LEFT JOIN api_key_rate_windows w ON w.key_id = k.id
       WHERE k.key_hash = ?`,
      input.keyHash,
    ),
    ...also,
  ]);
  return { counted: rowsOf(counted).length === 1, key: rowsOf<PresentedKeyRow>(found)[0] ?? null, also: alsoResults };
}

/** Records a use, unless one was recorded in the last minute (then nothing is written). */
export async function touchApiKey(db: Database, id: string, now: Date): Promise<void> {
  await sqlStatement(
    db,
    'UPDATE api_keys SET last_used_at = ?1 WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at <= ?1 - 60000)',
    now.getTime(),
    id,
  ).run();
}
