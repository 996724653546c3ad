// Queries on refresh tokens, above all the one-batch rotation with reuse detection.
import { rowsOf, runBatch, sqlStatement, type Database, type Statement } from './client';

/** Batchable: the session's first refresh token, if the session was started (see insertSessionStatement). */
export function insertRefreshTokenStatement(
  db: Database,
  input: { tokenHash: string; sessionId: string; now: Date },
): Statement {
  return sqlStatement(
    db,
    'INSERT INTO refresh_tokens (token_hash, session_id, created_at) SELECT ?, id, ? FROM sessions WHERE id = ?',
    input.tokenHash,
    input.now.getTime(),
    input.sessionId,
  );
}

export interface PresentedToken {
  sessionId: string;
  userId: string;
  role: 'user' | 'admin';
  rotatedAt: number | null;
  replacedBy: string | null;
  sessionRevokedAt: number | null;
  sessionExpiresAt: number;
  userDisabledAt: number | null;
  /** For ADMIN_EMAILS's rule, applied at refresh. */
  email: string;
  emailVerifiedAt: number | null;
  /** 1 when an admin pinned a role for the address. */
  rolePinned: number;
}

export interface RotationOutcome {
  /** The presented token joined with its session and user, after the batch; null when unknown. */
  token: PresentedToken | null;
  /** True when this very batch revoked the session because an old token came back. */
  revokedForReuse: boolean;
}

/**
 * Rotation and reuse detection in one D1 batch (a transaction), so concurrent refreshes with one
 * cookie serialise: exactly one claims the token and inserts its successor; the others find it
 * rotated moments ago (grace) instead of forking the session or revoking it.
 */
export async function rotateRefreshTokenBatch(
  db: Database,
  input: { presentedHash: string; newHash: string; now: Date; graceMs: number },
): Promise<RotationOutcome> {
  const now = input.now.getTime();
  const results = await runBatch(db, [
    // 1. Claim: only an unrotated token of a live session whose user is enabled.
    sqlStatement(
      db,
      `UPDATE refresh_tokens SET rotated_at = ?1, replaced_by = ?2
       WHERE token_hash = ?3 AND rotated_at IS NULL
         AND EXISTS (SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id
                     WHERE s.id = refresh_tokens.session_id AND s.revoked_at IS NULL
                       AND s.expires_at > ?1 AND u.disabled_at IS NULL)`,
      now,
      input.newHash,
      input.presentedHash,
    ),
    // 2. The successor exists only if step 1 claimed the token for this very call.
    sqlStatement(
      db,
      `INSERT INTO refresh_tokens (token_hash, session_id, created_at)
       SELECT ?1, session_id, ?2 FROM refresh_tokens WHERE token_hash = ?3 AND replaced_by = ?1`,
      input.newHash,
      now,
      input.presentedHash,
    ),
    sqlStatement(
      db,
      'UPDATE sessions SET last_used_at = ?1 WHERE id = (SELECT session_id FROM refresh_tokens WHERE token_hash = ?2)',
      now,
      input.newHash,
    ),
    // 3. A token rotated longer ago than the grace period is being replayed: end the session.
    sqlStatement(
      db,
      `UPDATE sessions SET revoked_at = ?1, revoked_reason = 'refresh_token_reused'
       WHERE revoked_at IS NULL AND id = (
         SELECT session_id FROM refresh_tokens
         WHERE token_hash = ?2 AND rotated_at IS NOT NULL AND rotated_at < ?3)
       RETURNING id`,
      now,
      input.presentedHash,
      now - input.graceMs,
    ),
    sqlStatement(
      db,
      `SELECT rt.session_id AS sessionId, s.user_id AS userId, u.role AS role,
              rt.rotated_at AS rotatedAt, rt.replaced_by AS replacedBy,
              s.revoked_at AS sessionRevokedAt, s.expires_at AS sessionExpiresAt,
              u.disabled_at AS userDisabledAt, u.email AS email, u.email_verified_at AS emailVerifiedAt,
              EXISTS (SELECT 1 FROM role_pins p WHERE p.email = u.email) AS rolePinned
       FROM refresh_tokens rt
       JOIN sessions s ON s.id = rt.session_id
       JOIN users u ON u.id = s.user_id
       WHERE rt.token_hash = ?`,
      input.presentedHash,
    ),
  ]);
  return {
    token: rowsOf<PresentedToken>(results[4])[0] ?? null,
    revokedForReuse: rowsOf(results[3]).length > 0,
  };
}

/** Revokes the sessions these refresh tokens belong to (logout); unknown tokens and ended sessions are skipped. */
export async function revokeSessionsByRefreshTokens(
  db: Database,
  input: { tokenHashes: string[]; now: Date; reason: string },
): Promise<{ sessionId: string; userId: string }[]> {
  const revoked = await sqlStatement(
    db,
    `UPDATE sessions SET revoked_at = ?, revoked_reason = ?
     WHERE revoked_at IS NULL AND id IN (SELECT session_id FROM refresh_tokens WHERE token_hash IN (SELECT value FROM json_each(?)))
     RETURNING id AS sessionId, user_id AS userId`,
    input.now.getTime(),
    input.reason,
    JSON.stringify(input.tokenHashes),
  ).all<{ sessionId: string; userId: string }>();
  return revoked.results;
}
