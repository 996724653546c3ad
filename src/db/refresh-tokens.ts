// Queries on refresh tokens, above all the one-batch rotation with reuse detection. A token lives in
// its session's row (auth/refresh-token.ts); tokens issued before migration 0006 are in refresh_tokens.
import { rowsOf, runBatch, sqlStatement, type Database } from './client';
import type { OrgRole } from './schema';

/** The session a presented token belongs to, joined with its user, as the rotation batch left it. */
export interface PresentedSession {
  sessionId: string;
  userId: string;
  role: 'user' | 'admin';
  generation: number;
  /** Hash of the session's current token secret: the caller's new one when its rotation won. */
  currentTokenHash: string | null;
  /** When the presented token was replaced, if it is among the session's recently replaced ones; else null. */
  replacedAt: number | null;
  sessionRevokedAt: number | null;
  sessionExpiresAt: number;
  userDisabledAt: number | null;
  /** For ADMIN_EMAILS's rule, applied at refresh. */
  email: string;
  emailVerifiedAt: number | null;
  /** 1 when an admin pinned a role for the address. */
  rolePinned: number;
  /** The session's active organization and the user's role in it now; null when none (or no longer a member). */
  orgId: string | null;
  orgRole: OrgRole | null;
  /** The session's `amr` (space-separated) and when a factor was last proven (ms). */
  amr: string;
  authenticatedAt: number;
}

export interface RotationOutcome {
  /** The presented token's session after the batch; null when the token is unknown. */
  session: PresentedSession | null;
  /** True when this very batch revoked the session because an old token came back. */
  revokedForReuse: boolean;
}

interface Rotation {
  /** Hash of the secret of the token that replaces the presented one. */
  newTokenHash: string;
  now: Date;
  graceMs: number;
}

/**
 * A racing tab may present any token replaced in the grace window (tabs restored at once can rotate
 * twice in it), so the session keeps those, newest first, at most this many: a script rotating its
 * own session faster cannot grow the row.
 */
export const RECENT_TOKENS_KEPT = 8;

const SESSION_LIVE = `revoked_at IS NULL AND expires_at > ?1
  AND EXISTS (SELECT 1 FROM users u WHERE u.id = sessions.user_id AND u.disabled_at IS NULL)`;

const PRESENTED_SESSION_COLUMNS = `s.id AS sessionId, s.user_id AS userId, u.role AS role,
  s.refresh_generation AS generation, s.refresh_token_hash AS currentTokenHash,
  s.revoked_at AS sessionRevokedAt, s.expires_at AS sessionExpiresAt,
  u.disabled_at AS userDisabledAt, u.email AS email, u.email_verified_at AS emailVerifiedAt,
  EXISTS (SELECT 1 FROM role_pins p WHERE p.email = u.email) AS rolePinned,
  s.active_organization_id AS orgId, s.amr AS amr, coalesce(s.authenticated_at, s.created_at) AS authenticatedAt,
  (SELECT m.role FROM memberships m WHERE m.organization_id = s.active_organization_id AND m.user_id = s.user_id) AS orgRole`;

/** The presented token (?5) among the session's recently replaced ones: its replacement time. */
const REPLACED_AT = `(SELECT MAX(r.value ->> '$[1]') FROM json_each(s.recent_refresh_tokens) r WHERE r.value ->> '$[0]' = ?5)`;

/**
 * Rotation and reuse detection in one D1 batch (a transaction), so concurrent refreshes with one
 * cookie serialise: exactly one moves the session to the next generation; the others find their
 * token replaced moments ago (grace) instead of forking the session or revoking it. Writes one row.
 */
export async function rotateRefreshTokenBatch(
  db: Database,
  input: Rotation & { sessionId: string; generation: number; sessionSecretHash: string; tokenHash: string },
): Promise<RotationOutcome> {
  const now = input.now.getTime();
  // ?1 now, ?2 session id, ?3 session secret hash, ?4 generation, ?5 presented hash, ?6 new hash, ?7 grace start
  const params = [
    now,
    input.sessionId,
    input.sessionSecretHash,
    input.generation,
    input.tokenHash,
    input.newTokenHash,
    now - input.graceMs,
  ];
  const results = await runBatch(db, [
    // 1. Claim: only the current token of a live session whose user is enabled. The token it
    //    replaces joins the recent ones; those older than the grace window leave.
    sqlStatement(
      db,
      `UPDATE sessions SET refresh_generation = ?4 + 1, refresh_token_hash = ?6, refreshed_at = ?1, last_used_at = ?1,
         recent_refresh_tokens = (
           SELECT json_group_array(json(value)) FROM (
             SELECT json_array(sessions.refresh_token_hash, ?1) AS value
             UNION ALL
             SELECT * FROM (
               SELECT r.value FROM json_each(sessions.recent_refresh_tokens) r
               WHERE r.value ->> '$[1]' >= ?7 ORDER BY r.value ->> '$[1]' DESC LIMIT ${RECENT_TOKENS_KEPT - 1})))
       WHERE id = ?2 AND refresh_secret_hash = ?3 AND refresh_generation = ?4 AND refresh_token_hash = ?5
         AND ${SESSION_LIVE}`,
      ...params,
    ),
    // 2. A token of this session that is neither current nor replaced in the grace window: a replay. End the session.
    sqlStatement(
      db,
      `UPDATE sessions AS s SET revoked_at = ?1, revoked_reason = 'refresh_token_reused'
       WHERE s.id = ?2 AND s.refresh_secret_hash = ?3 AND s.revoked_at IS NULL
         AND NOT (s.refresh_generation = ?4 AND s.refresh_token_hash = ?5)
         AND coalesce(${REPLACED_AT}, 0) < ?7
       RETURNING id`,
      ...params,
    ),
    sqlStatement(
      db,
      `SELECT ${PRESENTED_SESSION_COLUMNS}, ${REPLACED_AT} AS replacedAt
       FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.id = ?2 AND s.refresh_secret_hash = ?3`,
      ...params.slice(0, 5),
    ),
  ]);
  return {
    session: rowsOf<PresentedSession>(results[2])[0] ?? null,
    revokedForReuse: rowsOf(results[1]).length > 0,
  };
}

/**
 * The same for a token issued before migration 0006 (by its hash in refresh_tokens): its rotation
 * marks the row rotated and moves the session to the current format, generation 0.
 */
export async function rotateLegacyRefreshTokenBatch(
  db: Database,
  input: Rotation & { tokenHash: string; sessionSecretHash: string },
): Promise<RotationOutcome> {
  const now = input.now.getTime();
  const results = await runBatch(db, [
    sqlStatement(
      db,
      `UPDATE refresh_tokens SET rotated_at = ?1, replaced_by = ?2
       WHERE token_hash = ?3 AND rotated_at IS NULL
         AND EXISTS (SELECT 1 FROM sessions WHERE id = refresh_tokens.session_id AND ${SESSION_LIVE})`,
      now,
      input.newTokenHash,
      input.tokenHash,
    ),
    // The session takes the successor only if the claim above was this very call's.
    sqlStatement(
      db,
      `UPDATE sessions SET refresh_generation = 0, refresh_secret_hash = ?2, refresh_token_hash = ?3,
         recent_refresh_tokens = NULL, refreshed_at = ?1, last_used_at = ?1
       WHERE id = (SELECT session_id FROM refresh_tokens WHERE token_hash = ?4 AND replaced_by = ?3)`,
      now,
      input.sessionSecretHash,
      input.newTokenHash,
      input.tokenHash,
    ),
    sqlStatement(
      db,
      `UPDATE sessions SET revoked_at = ?1, revoked_reason = 'refresh_token_reused'
       WHERE revoked_at IS NULL AND id = (
         SELECT session_id FROM refresh_tokens
         WHERE token_hash = ?2 AND rotated_at IS NOT NULL AND rotated_at < ?3)
       RETURNING id`,
      now,
      input.tokenHash,
      now - input.graceMs,
    ),
    sqlStatement(
      db,
      `SELECT ${PRESENTED_SESSION_COLUMNS}, rt.rotated_at AS replacedAt
       FROM refresh_tokens rt
       JOIN sessions s ON s.id = rt.session_id
       JOIN users u ON u.id = s.user_id
       WHERE rt.token_hash = ?`,
      input.tokenHash,
    ),
  ]);
  return {
    session: rowsOf<PresentedSession>(results[3])[0] ?? null,
    revokedForReuse: rowsOf(results[2]).length > 0,
  };
}

/**
 * Revokes the sessions these refresh tokens belong to (logout), any generation: `sessions` by id and
 * session secret hash, `legacyTokenHashes` by refresh_tokens. Unknown tokens and ended sessions are skipped.
 */
export async function revokeSessionsByRefreshTokens(
  db: Database,
  input: {
    sessions: { sessionId: string; sessionSecretHash: string }[];
    legacyTokenHashes: string[];
    now: Date;
    reason: string;
  },
): Promise<{ sessionId: string; userId: string }[]> {
  const revoked = await sqlStatement(
    db,
    `UPDATE sessions SET revoked_at = ?1, revoked_reason = ?2
     WHERE revoked_at IS NULL AND id IN (
       SELECT s.id FROM json_each(?3) t
       JOIN sessions s ON s.id = t.value ->> '$.sessionId' AND s.refresh_secret_hash = t.value ->> '$.sessionSecretHash'
       UNION ALL
       SELECT session_id FROM refresh_tokens WHERE token_hash IN (SELECT value FROM json_each(?4)))
     RETURNING id AS sessionId, user_id AS userId`,
    input.now.getTime(),
    input.reason,
    JSON.stringify(input.sessions),
    JSON.stringify(input.legacyTokenHashes),
  ).all<{ sessionId: string; userId: string }>();
  return revoked.results;
}
