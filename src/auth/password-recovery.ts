// Forgot, reset and change password; each revokes sessions and queues its email in the same batch.
import { tokenUsedBy, useAccountTokenStatement, voidAccountTokensStatement } from '../db/account-tokens';
import { rowsOf, runBatch, sqlStatement } from '../db/client';
import {
  rateLimitStateStatement,
  recordRateLimitHitStatement,
  takeRateLimitStatement,
  type RateState,
} from '../db/rate-limits';
import { revokeUserSessionsStatement } from '../db/sessions';
import {
  findUserById,
  markEmailVerifiedStatement,
  selectUserByEmailStatement,
  updatePasswordHashStatement,
  userFromRow,
  type UserRow,
} from '../db/users';
import { queueEmail } from '../email/outbox';
import { passwordChangedEmail, passwordResetEmail } from '../email/templates';
import { AppError, notFound } from '../errors';
import { randomToken } from '../lib/crypto';
import type { AccessTokenClaims } from './access-tokens';
import { checkAccountToken, invalidToken, newAccountToken } from './account-tokens';
import { hashPassword, verifyPassword } from './passwords';
import { isFull, RATE_RULES, rateLimited, rateWindow } from './rate-limits';
import { auditStatement, type AuthDeps } from './sessions';

/**
 * POST /password/forgot: always 202 to the caller. Known and unknown emails take the same two
 * round trips and share one rate limit, so neither the answer nor its timing tells them apart.
 */
export async function requestPasswordReset(deps: AuthDeps, email: string): Promise<string[]> {
  const window = rateWindow(RATE_RULES.emailsPerAccount, email);
  const [taken, state, userRows] = await runBatch(deps.db, [
    takeRateLimitStatement(deps.db, window, deps.now),
    rateLimitStateStatement(deps.db, window, deps.now),
    selectUserByEmailStatement(deps.db, email),
  ]);
  if (rowsOf(taken).length === 0) throw rateLimited(window, rowsOf<RateState>(state)[0], deps.now);
  const row = rowsOf<UserRow>(userRows)[0];
  // Disabled accounts get no link: a reset would not let them in anyway.
  if (!row || row.disabled_at !== null) {
    await sqlStatement(deps.db, 'SELECT 1').run(); // the same second round trip as a real reset
    return [];
  }
  const user = userFromRow(row);
  const { token, statement } = await newAccountToken(deps, user, 'reset_password');
  const mail = queueEmail(deps.db, {
    userId: user.id,
    to: user.email,
    content: passwordResetEmail({ appUrl: deps.config.appUrl, token, name: user.name }),
    now: deps.now,
  });
  await runBatch(deps.db, [statement, mail.statement, auditStatement(deps, { action: 'password.reset_requested', userId: user.id })]);
  return [mail.id];
}

/**
 * POST /password/reset: single use (1 h). Sets the password, voids the user's other reset links,
 * revokes every session, marks the email verified (the link proved it) and sends a notice, all in
 * one batch gated on this request having used the token.
 */
export async function resetPassword(deps: AuthDeps, input: { token: string; password: string }): Promise<string[]> {
  const token = await checkAccountToken(deps, input.token, 'reset_password');
  const user = await findUserById(deps.db, token.userId);
  if (!user || user.email !== token.email) throw invalidToken();
  const passwordHash = await hashPassword(input.password);
  const nonce = randomToken(16);
  const used = tokenUsedBy(token.id, nonce);
  const notice = queueEmail(deps.db, {
    userId: user.id,
    to: user.email,
    content: passwordChangedEmail({ appUrl: deps.config.appUrl, name: user.name }),
    now: deps.now,
    when: used,
  });
  const results = await runBatch(deps.db, [
    useAccountTokenStatement(deps.db, { id: token.id, purpose: 'reset_password', nonce, now: deps.now }),
    updatePasswordHashStatement(deps.db, { userId: user.id, passwordHash, now: deps.now, when: used }),
    voidAccountTokensStatement(deps.db, { userId: user.id, purpose: 'reset_password', now: deps.now, when: used }),
    markEmailVerifiedStatement(deps.db, {
      userId: user.id,
      email: user.email,
      makeAdmin: deps.config.adminEmails.includes(user.email),
      now: deps.now,
      when: used,
    }),
    revokeUserSessionsStatement(deps.db, { userId: user.id, now: deps.now, reason: 'password_reset', when: used }),
    auditStatement(deps, { action: 'password.reset', userId: user.id }, used),
    notice.statement,
  ]);
  if (results[0]?.meta.changes !== 1) throw invalidToken();
  return [notice.id];
}

const wrongPassword = () => new AppError(401, 'INVALID_CREDENTIALS', 'The current password is not correct.');

/**
 * Checks a signed-in user's password for a sensitive action. Failures count toward the same
 * per-account lock as failed logins, so a stolen access token can't be used to guess it.
 */
export async function confirmPassword(deps: AuthDeps, userId: string, password: string) {
  const user = await findUserById(deps.db, userId);
  if (!user) throw notFound('No such user.');
  const failures = rateWindow(RATE_RULES.failedLoginsPerAccount, user.email);
  const [state] = await runBatch(deps.db, [rateLimitStateStatement(deps.db, failures, deps.now)]);
  const failureState = rowsOf<RateState>(state)[0];
  if (isFull(failures, failureState)) throw rateLimited(failures, failureState, deps.now);
  if (!user.passwordHash || !(await verifyPassword(password, user.passwordHash))) {
    await runBatch(deps.db, [
      recordRateLimitHitStatement(deps.db, failures.key, deps.now),
      auditStatement(deps, { action: 'password.confirm_failed', userId: user.id }),
    ]);
    throw wrongPassword();
  }
  return user;
}

/** POST /password/change: needs the current password; revokes the other sessions; sends a notice. */
export async function changePassword(
  deps: AuthDeps,
  auth: AccessTokenClaims,
  input: { currentPassword: string; newPassword: string },
): Promise<string[]> {
  const user = await confirmPassword(deps, auth.userId, input.currentPassword);
  const notice = queueEmail(deps.db, {
    userId: user.id,
    to: user.email,
    content: passwordChangedEmail({ appUrl: deps.config.appUrl, name: user.name }),
    now: deps.now,
  });
  await runBatch(deps.db, [
    updatePasswordHashStatement(deps.db, { userId: user.id, passwordHash: await hashPassword(input.newPassword), now: deps.now }),
    revokeUserSessionsStatement(deps.db, { userId: user.id, now: deps.now, reason: 'password_changed', keepSessionId: auth.sessionId }),
    voidAccountTokensStatement(deps.db, { userId: user.id, purpose: 'reset_password', now: deps.now }),
    auditStatement(deps, { action: 'password.changed', userId: user.id }),
    notice.statement,
  ]);
  return [notice.id];
}
