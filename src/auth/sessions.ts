// Sessions: starting one, rotating its refresh token (with reuse detection), listing and revoking.
import { auditStatement } from '../db/audit-log';
import { ALWAYS, rowsOf, runBatch, type Condition } from '../db/client';
import {
  revokeSessionsByRefreshTokens,
  rotateLegacyRefreshTokenBatch,
  rotateRefreshTokenBatch,
  type PresentedSession,
  type RotationOutcome,
} from '../db/refresh-tokens';
import type { User } from '../db/schema';
import {
  insertSessionStatement,
  type SessionSummary,
  listLiveSessions,
  sessionExists,
  revokeUserSessionsStatement,
  revokeUserSession,
} from '../db/sessions';
import { selectRoleStatement } from '../db/users';
import type { Deps } from '../deps';
import { AppError, notFound } from '../errors';
import { newId } from '../lib/crypto';
import {
  authenticationMethods,
  signAccessToken,
  type AccessTokenClaims,
  type AuthenticationMethod,
} from './access-tokens';
import { adminEmailsPromotion, mayPromote } from './admin-emails';
import { formatRefreshToken, hashRefreshSecret, newRefreshSecret, parseRefreshToken } from './refresh-token';

export interface IssuedTokens {
  accessToken: string;
  expiresIn: number;
  /** Present when the client must store a new refresh cookie. */
  refreshToken: string | null;
}

/** A rotated token presented again within this window is a race, not a theft. */
export const REUSE_GRACE_MS = 10_000;

/**
 * The statements that start a session, for the caller to commit in its own batch (with the user, the
 * audit entry...), plus the new refresh token to put in the cookie. `when` is what the sign-in
 * checked (the password hash, the provider link): if it no longer holds when the batch runs, no
 * session starts; the caller gates the rest of its batch on `started` and reads `didStart(results)`.
 */
export async function newSession(
  deps: Deps,
  user: User,
  authMethod: string,
  when: Condition = ALWAYS,
  amr: AuthenticationMethod[] = [authMethod === 'password' ? 'pwd' : 'oauth'],
) {
  const sessionId = newId();
  const sessionSecret = newRefreshSecret();
  const secret = newRefreshSecret();
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
        refreshSecretHash: await hashRefreshSecret(sessionSecret),
        refreshTokenHash: await hashRefreshSecret(secret),
        amr: amr.join(' '),
        authenticatedAt: deps.now,
      },
      when,
    ),
  ];
  return {
    sessionId,
    amr,
    refreshToken: formatRefreshToken(sessionId, 0, sessionSecret, secret),
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
async function roleAfterAdminEmails(deps: Deps, session: PresentedSession): Promise<'user' | 'admin'> {
  if (session.rolePinned === 1 || !mayPromote(deps.config, session)) return session.role;
  const results = await runBatch(deps.db, [
    ...adminEmailsPromotion(deps, { id: session.userId, email: session.email }),
    selectRoleStatement(deps.db, session.userId),
  ]);
  return rowsOf<{ role: 'user' | 'admin' }>(results[results.length - 1])[0]?.role ?? session.role;
}

/** POST /refresh: rotate the presented token (one D1 batch) and sign a new access token. */
export async function refreshSession(deps: Deps, presentedToken: string): Promise<IssuedTokens> {
  const presented = parseRefreshToken(presentedToken);
  if (!presented) throw refreshError('REFRESH_TOKEN_INVALID');
  // A token from before the current format starts its session's secret now.
  const sessionSecret = presented.format === 'session' ? presented.sessionSecret : newRefreshSecret();
  const secret = newRefreshSecret();
  const rotation = { newTokenHash: await hashRefreshSecret(secret), now: deps.now, graceMs: REUSE_GRACE_MS };
  const sessionSecretHash = await hashRefreshSecret(sessionSecret);
  const { session, revokedForReuse }: RotationOutcome =
    presented.format === 'session'
      ? await rotateRefreshTokenBatch(deps.db, {
          ...rotation,
          sessionId: presented.sessionId,
          generation: presented.generation,
          sessionSecretHash,
          tokenHash: await hashRefreshSecret(presented.secret),
        })
      : await rotateLegacyRefreshTokenBatch(deps.db, {
          ...rotation,
          sessionSecretHash,
          tokenHash: await hashRefreshSecret(presented.token),
        });
  if (!session) throw refreshError('REFRESH_TOKEN_INVALID');
  const claims = () =>
    roleAfterAdminEmails(deps, session).then((role) => ({
      userId: session.userId,
      sessionId: session.sessionId,
      role,
      amr: authenticationMethods(session.amr),
      authTime: Math.floor(session.authenticatedAt / 1000),
      // The role is read again at each refresh: a member who left or was removed loses the claims.
      ...(session.orgId && session.orgRole ? { orgId: session.orgId, orgRole: session.orgRole } : {}),
    }));
  if (session.currentTokenHash === rotation.newTokenHash) {
    const refreshToken = formatRefreshToken(session.sessionId, session.generation, sessionSecret, secret);
    return issueTokens(deps, await claims(), refreshToken);
  }
  if (revokedForReuse) {
    await auditStatement(deps, {
      action: 'session.reuse_detected',
      userId: session.userId,
      metadata: { session_id: session.sessionId },
    }).run();
    throw refreshError('REFRESH_TOKEN_REUSED');
  }
  const sessionLive =
    session.sessionRevokedAt === null &&
    session.sessionExpiresAt > deps.now.getTime() &&
    session.userDisabledAt === null;
  const justReplaced = session.replacedAt !== null && deps.now.getTime() - session.replacedAt <= REUSE_GRACE_MS;
  // Two tabs refreshing at once: the loser gets an access token and keeps the winner's cookie.
  if (sessionLive && justReplaced) return issueTokens(deps, await claims(), null);
  throw refreshError('REFRESH_TOKEN_INVALID');
}

/** POST /logout: revoke the sessions of the presented cookies (usually one); unknown tokens are a no-op. */
export async function logout(deps: Deps, presentedTokens: string[]): Promise<void> {
  const tokens = presentedTokens.map(parseRefreshToken).filter((token) => token !== null);
  if (tokens.length === 0) return;
  const revoked = await revokeSessionsByRefreshTokens(deps.db, {
    sessions: await Promise.all(
      tokens
        .filter((token) => token.format === 'session')
        .map(async (token) => ({
          sessionId: token.sessionId,
          sessionSecretHash: await hashRefreshSecret(token.sessionSecret),
        })),
    ),
    legacyTokenHashes: await Promise.all(
      tokens.filter((token) => token.format === 'legacy').map((token) => hashRefreshSecret(token.token)),
    ),
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
  return sessions.map((session: SessionSummary) => ({
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
