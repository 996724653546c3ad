// Sessions: starting one, rotating its refresh token (with reuse detection), listing and revoking.
import { auditStatement } from '../db/audit-log';
import { ALWAYS, rowsOf, runBatch, type Condition } from '../db/client';
import {
  insertRefreshTokenStatement,
  revokeSessionsByRefreshTokens,
  rotateRefreshTokenBatch,
  type PresentedToken,
} from '../db/refresh-tokens';
import type { Session, User } from '../db/schema';
import {
  insertSessionStatement,
  listLiveSessions,
  sessionExists,
  revokeUserSessionsStatement,
  revokeUserSession,
} from '../db/sessions';
import { selectRoleStatement } from '../db/users';
import type { Deps } from '../deps';
import { AppError, notFound } from '../errors';
import { newId, randomToken, sha256Base64Url } from '../lib/crypto';
import { signAccessToken, type AccessTokenClaims } from './access-tokens';
import { adminEmailsPromotion, mayPromote } from './admin-emails';

export interface IssuedTokens {
  accessToken: string;
  expiresIn: number;
  /** Present when the client must store a new refresh cookie. */
  refreshToken: string | null;
}

/** A rotated token presented again within this window is a race, not a theft. */
export const REUSE_GRACE_MS = 10_000;

export const hashRefreshToken = (token: string) => sha256Base64Url(token);

/**
 * The statements that start a session, for the caller to commit in its own batch (with the user, the
 * audit entry...), plus the new refresh token to put in the cookie. `when` is what the sign-in
 * checked (the password hash, the provider link): if it no longer holds when the batch runs, no
 * session starts; the caller gates the rest of its batch on `started` and reads `didStart(results)`.
 */
export async function newSession(deps: Deps, user: User, authMethod: string, when: Condition = ALWAYS) {
  const sessionId = newId();
  const refreshToken = randomToken(32);
  const statements = [
    insertSessionStatement(
      deps.db,
      {
        id: sessionId,
        userId: user.id,
        authMethod,
        userAgent: deps.client.userAgent,
        ipAddress: deps.client.ip,
        createdAt: deps.now,
        lastUsedAt: deps.now,
        expiresAt: new Date(deps.now.getTime() + deps.config.refreshTokenTtl * 1000),
      },
      when,
    ),
    insertRefreshTokenStatement(deps.db, { tokenHash: await hashRefreshToken(refreshToken), sessionId, now: deps.now }),
  ];
  return {
    sessionId,
    refreshToken,
    statements,
    started: sessionExists(sessionId),
    /** Whether the batch started the session; `at` is where `statements` begin in it. */
    didStart: (results: D1Result[], at = 0) => results[at]?.meta.changes === 1,
  };
}

export async function issueTokens(
  deps: Deps,
  claims: AccessTokenClaims,
  refreshToken: string | null,
): Promise<IssuedTokens> {
  return {
    accessToken: await signAccessToken(deps.config, claims, deps.now),
    expiresIn: deps.config.accessTokenTtl,
    refreshToken,
  };
}

const refreshError = (code: 'REFRESH_TOKEN_INVALID' | 'REFRESH_TOKEN_REUSED') => new AppError(code);

/** ADMIN_EMAILS's rule at refresh: the rare promotion costs its own round trip; the role it leaves goes in the token. */
async function roleAfterAdminEmails(deps: Deps, token: PresentedToken): Promise<'user' | 'admin'> {
  if (token.rolePinned === 1 || !mayPromote(deps.config, token)) return token.role;
  const results = await runBatch(deps.db, [
    ...adminEmailsPromotion(deps, { id: token.userId, email: token.email }),
    selectRoleStatement(deps.db, token.userId),
  ]);
  return rowsOf<{ role: 'user' | 'admin' }>(results[results.length - 1])[0]?.role ?? token.role;
}

/** POST /refresh: rotate the presented token (one D1 batch) and sign a new access token. */
export async function refreshSession(deps: Deps, presentedToken: string): Promise<IssuedTokens> {
  const newToken = randomToken(32);
  const newHash = await hashRefreshToken(newToken);
  const { token, revokedForReuse } = await rotateRefreshTokenBatch(deps.db, {
    presentedHash: await hashRefreshToken(presentedToken),
    newHash,
    now: deps.now,
    graceMs: REUSE_GRACE_MS,
  });
  if (!token) throw refreshError('REFRESH_TOKEN_INVALID');
  const claims = () =>
    roleAfterAdminEmails(deps, token).then((role) => ({ userId: token.userId, sessionId: token.sessionId, role }));
  if (token.replacedBy === newHash) return issueTokens(deps, await claims(), newToken);
  if (revokedForReuse) {
    await auditStatement(deps, {
      action: 'session.reuse_detected',
      userId: token.userId,
      metadata: { session_id: token.sessionId },
    }).run();
    throw refreshError('REFRESH_TOKEN_REUSED');
  }
  const sessionLive =
    token.sessionRevokedAt === null && token.sessionExpiresAt > deps.now.getTime() && token.userDisabledAt === null;
  const justRotated = token.rotatedAt !== null && deps.now.getTime() - token.rotatedAt <= REUSE_GRACE_MS;
  // Two tabs refreshing at once: the loser gets an access token and keeps the winner's cookie.
  if (sessionLive && justRotated) return issueTokens(deps, await claims(), null);
  throw refreshError('REFRESH_TOKEN_INVALID');
}

/** POST /logout: revoke the sessions of the presented cookies (usually one); unknown tokens are a no-op. */
export async function logout(deps: Deps, presentedTokens: string[]): Promise<void> {
  const tokens = presentedTokens.filter((token) => token !== '');
  if (tokens.length === 0) return;
  const revoked = await revokeSessionsByRefreshTokens(deps.db, {
    tokenHashes: await Promise.all(tokens.map(hashRefreshToken)),
    now: deps.now,
    reason: 'logout',
  });
  if (revoked.length === 0) return;
  await runBatch(
    deps.db,
    revoked.map(({ userId, sessionId }) =>
      auditStatement(deps, { action: 'logout', userId, metadata: { session_id: sessionId } }),
    ),
  );
}

export async function logoutEverywhere(deps: Deps, auth: AccessTokenClaims): Promise<void> {
  const revoked = await revokeUserSessionsStatement(deps.db, {
    userId: auth.userId,
    now: deps.now,
    reason: 'logout_all',
  }).run();
  await auditStatement(deps, {
    action: 'logout_all',
    userId: auth.userId,
    metadata: { sessions_revoked: revoked.meta.changes },
  }).run();
}

export interface SessionView {
  id: string;
  created_at: string;
  last_used_at: string;
  user_agent: string | null;
  current: boolean;
}

export async function listSessions(deps: Deps, auth: AccessTokenClaims): Promise<SessionView[]> {
  // The guard checked this session at the primary; the list itself may come from a replica.
  const sessions = await listLiveSessions(deps.replica, auth.userId, deps.now);
  return sessions.map((session: Session) => ({
    id: session.id,
    created_at: session.createdAt.toISOString(),
    last_used_at: session.lastUsedAt.toISOString(),
    user_agent: session.userAgent,
    current: session.id === auth.sessionId,
  }));
}

/** DELETE /sessions/:id: another user's (or an unknown, or an ended) session is 404, never 403. */
export async function revokeOwnSession(deps: Deps, auth: AccessTokenClaims, sessionId: string): Promise<void> {
  const revoked = await revokeUserSession(deps.db, {
    userId: auth.userId,
    sessionId,
    now: deps.now,
    reason: 'revoked_by_user',
  });
  if (!revoked) throw notFound('No such session.');
  await auditStatement(deps, {
    action: 'session.revoked',
    userId: auth.userId,
    metadata: { session_id: sessionId },
  }).run();
}
