// Queries on sessions: creation, listing, revocation and the liveness check of strict routes.
import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { ALWAYS, sqlStatement, type Condition, type Database, type Statement } from './client';
import { sessions, users, type Session, type User } from './schema';
import { hasSecondFactorSql } from './second-factor-methods';

const live = (now: Date) => and(isNull(sessions.revokedAt), gt(sessions.expiresAt, now));

/** The session, while it is live and its user enabled (joined with users). */
const liveAndEnabled = (sessionId: string, now: Date) =>
  and(eq(sessions.id, sessionId), live(now), isNull(users.disabledAt));

/** What starting a session writes: its row, with the hashes of its first refresh token. */
export type NewSession = Omit<
  Session,
  'revokedAt' | 'revokedReason' | 'refreshGeneration' | 'recentRefreshTokens' | 'refreshedAt' | 'activeOrganizationId'
> & { refreshSecretHash: string; refreshTokenHash: string };

/**
 * Batchable: starts the session if `when` holds when the batch runs (the credential that was
 * checked is still valid: a reset or an unlink between the check and this write leaves no session).
 */
export function insertSessionStatement(db: Database, session: NewSession, when: Condition = ALWAYS): Statement {
  return sqlStatement(
    db,
    `INSERT INTO sessions (id, user_id, auth_method, user_agent, ip_address, created_at, last_used_at, expires_at,
       refresh_secret_hash, refresh_token_hash, amr, authenticated_at)
     SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE ${when.sql}`,
    session.id,
    session.userId,
    session.authMethod,
    session.userAgent,
    session.ipAddress,
    session.createdAt.getTime(),
    session.lastUsedAt.getTime(),
    session.expiresAt.getTime(),
    session.refreshSecretHash,
    session.refreshTokenHash,
    session.amr,
    session.authenticatedAt?.getTime() ?? session.createdAt.getTime(),
    ...when.params,
  );
}

/** True inside a batch once the session exists: gates what a sign-in writes besides it. */
export function sessionExists(sessionId: string): Condition {
  return { sql: 'EXISTS (SELECT 1 FROM sessions WHERE id = ?)', params: [sessionId] };
}

/** What the sessions list shows (never the refresh token's hashes). */
export type SessionSummary = Pick<Session, 'id' | 'createdAt' | 'lastUsedAt' | 'userAgent'>;

export async function listLiveSessions(db: Database, userId: string, now: Date): Promise<SessionSummary[]> {
  return db
    .select({
      id: sessions.id,
      createdAt: sessions.createdAt,
      lastUsedAt: sessions.lastUsedAt,
      userAgent: sessions.userAgent,
    })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), live(now)))
    .orderBy(desc(sessions.lastUsedAt))
    .all();
}

/** For a drizzle batch: one row while the session is live, belongs to `userId`, and the user is enabled. */
export function liveSessionQuery(db: Database, input: { sessionId: string; userId: string; now: Date }) {
  return db
    .select({ id: sessions.id })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(liveAndEnabled(input.sessionId, input.now), eq(sessions.userId, input.userId)))
    .limit(1);
}

/**
 * The session and its user when the session is live and the user not disabled; else null. With
 * `secondFactor`, whether the user has one (for the routes that demand one), in the same query;
 * otherwise that is always false and costs nothing.
 */
export async function findLiveSessionWithUser(
  db: Database,
  sessionId: string,
  now: Date,
  options: { secondFactor?: boolean } = {},
): Promise<{ session: Session; user: User; hasSecondFactor: boolean } | null> {
  const hasSecondFactor = options.secondFactor ? sql.raw(hasSecondFactorSql('"users"."id"')) : sql.raw('0');
  const row = await db
    .select({ session: sessions, user: users, hasSecondFactor: sql<boolean>`${hasSecondFactor}`.mapWith(Boolean) })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(liveAndEnabled(sessionId, now))
    .get();
  return row ?? null;
}

/** Revokes one live session of this user; false when there is none (unknown, foreign or already revoked). */
export async function revokeUserSession(
  db: Database,
  input: { userId: string; sessionId: string; now: Date; reason: string },
): Promise<boolean> {
  const revoked = await db
    .update(sessions)
    .set({ revokedAt: input.now, revokedReason: input.reason })
    .where(and(eq(sessions.id, input.sessionId), eq(sessions.userId, input.userId), live(input.now)))
    .returning({ id: sessions.id })
    .all();
  return revoked.length > 0;
}

/** Batchable: revokes the user's live sessions, except `keepSessionId` (the caller's own), if given. */
export function revokeUserSessionsStatement(
  db: Database,
  input: { userId: string; now: Date; reason: string; keepSessionId?: string; when?: Condition },
): Statement {
  const when = input.when ?? ALWAYS;
  return sqlStatement(
    db,
    `UPDATE sessions SET revoked_at = ?, revoked_reason = ?
     WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? AND id != ? AND ${when.sql}`,
    input.now.getTime(),
    input.reason,
    input.userId,
    input.now.getTime(),
    input.keepSessionId ?? '',
    ...when.params,
  );
}
