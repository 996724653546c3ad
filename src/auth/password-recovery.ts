// Forgot, reset and change password; each revokes sessions and queues its email in the same batch.
import { tokenUsedBy, useAccountTokenStatement, voidAccountTokensStatement } from '../db/account-tokens';
import { auditStatement } from '../db/audit-log';
import { rowsOf, runBatch, type Condition } from '../db/client';
import { pingDatabase } from '../db/health';
import { releaseRateLimitHitStatement } from '../db/rate-limits';
import type { User } from '../db/schema';
import { revokeUserSessionsStatement } from '../db/sessions';
import {
  findUserById,
  hasPasswordHashCondition,
  markEmailVerifiedStatement,
  selectUserByEmailStatement,
  updatePasswordHashStatement,
  userFromRow,
  type UserRow,
} from '../db/users';
import type { Deps } from '../deps';
import { queueEmail } from '../email/outbox';
import { passwordChangedEmail, passwordResetEmail } from '../email/templates';
import { AppError, notFound } from '../errors';
import { randomToken } from '../lib/crypto';
import type { AccessTokenClaims } from './access-tokens';
import { checkAccountToken, invalidToken, newAccountToken } from './account-tokens';
import { dropUnvouchedCredentials } from './address-proof';
import { adminEmailsPromotion } from './admin-emails';
import { hashPassword, verifyPassword } from './passwords';
import { accountWindow, addressWindow, countAttempt, RATE_RULES } from './rate-limits';

/**
 * POST /password/forgot: always 202 to the caller. Known and unknown emails take the same two
 * round trips and count the same way (per address asked about, and per client address, so one
 * client cannot mail every known account), so neither the answer nor its timing tells them apart.
 */
export async function requestPasswordReset(deps: Deps, email: string): Promise<string[]> {
  const attempt = countAttempt(
    deps.db,
    [
      accountWindow(RATE_RULES.emailsPerAccount, email),
      addressWindow(RATE_RULES.resetRequestsPerAddress, deps.client.ip),
    ],
    deps.now,
  );
  const results = await runBatch(deps.db, [...attempt.statements, selectUserByEmailStatement(deps.db, email)]);
  attempt.settle(results);
  const row = rowsOf<UserRow>(results[attempt.statements.length])[0];
  // Disabled accounts get no link: a reset would not let them in anyway.
  if (!row || row.disabled_at !== null) {
    await pingDatabase(deps.db); // the same second round trip as a real reset
    return [];
  }
  const user = userFromRow(row);
  const { token, statement } = await newAccountToken(deps, user, 'reset_password');
  const mail = queueEmail(deps.db, {
    userId: user.id,
    to: user.email,
    content: passwordResetEmail({ appUrl: deps.config.appUrl, token }),
    now: deps.now,
  });
  await runBatch(deps.db, [
    statement,
    mail.statement,
    auditStatement(deps, { action: 'password.reset_requested', userId: user.id }),
  ]);
  return [mail.id];
}

/**
 * POST /password/reset: single use (1 h). Sets the password, voids the user's other reset links,
 * revokes every session, marks the email verified (the link proved it, so credentials set without
 * such proof go) and sends a notice, all in one batch gated on this request having used the token.
 */
export async function resetPassword(deps: Deps, input: { token: string; password: string }): Promise<string[]> {
  const token = await checkAccountToken(deps, input.token, 'reset_password');
  const user = await findUserById(deps.db, token.userId);
  // A link mailed before the account was disabled opens nothing (login would refuse it anyway).
  if (!user || user.email !== token.email || user.disabledAt !== null) throw invalidToken();
  const passwordHash = await hashPassword(input.password);
  const nonce = randomToken(16);
  const used = tokenUsedBy(token.id, nonce);
  const notice = passwordChangedNotice(deps, user, used);
  const results = await runBatch(deps.db, [
    useAccountTokenStatement(deps.db, { id: token.id, purpose: 'reset_password', nonce, now: deps.now }),
    // Links that were never vouched for go first; the password is replaced by one set through the
    // mailbox, so it counts as vouched.
    ...dropUnvouchedCredentials(deps, { userId: user.id, proof: 'password_reset', when: used }),
    updatePasswordHashStatement(deps.db, { userId: user.id, passwordHash, now: deps.now, vouched: true, when: used }),
    voidAccountTokensStatement(deps.db, { userId: user.id, purpose: 'reset_password', now: deps.now, when: used }),
    markEmailVerifiedStatement(deps.db, { userId: user.id, email: user.email, now: deps.now, when: used }),
    revokeUserSessionsStatement(deps.db, { userId: user.id, now: deps.now, reason: 'password_reset', when: used }),
    auditStatement(deps, { action: 'password.reset', userId: user.id }, used),
    ...adminEmailsPromotion(deps, user, used),
    notice.statement,
  ]);
  if (results[0]?.meta.changes !== 1) throw invalidToken();
  return [notice.id];
}

/** The "your password was changed" email, queued only if `when` holds as the batch runs. */
function passwordChangedNotice(deps: Deps, user: User, when: Condition) {
  return queueEmail(deps.db, {
    userId: user.id,
    to: user.email,
    content: passwordChangedEmail({ appUrl: deps.config.appUrl }),
    now: deps.now,
    when,
  });
}

const wrongPassword = () => new AppError('INVALID_CREDENTIALS', 'The current password is not correct.');

/**
 * Checks a signed-in user's password for a sensitive action. The check is reserved in the same
 * per-account window as failed logins before hashing (so neither a burst of requests nor a stolen
 * access token gets more guesses), and given back when the password is right.
 */
export async function confirmPassword(
  deps: Deps,
  userId: string,
  password: string,
): Promise<User & { passwordHash: string }> {
  const user = await findUserById(deps.db, userId);
  if (!user) throw notFound('No such user.');
  const failures = accountWindow(RATE_RULES.failedLoginsPerAccount, user.email);
  const attempt = countAttempt(deps.db, [failures], deps.now);
  const reservation = attempt.settle(await runBatch(deps.db, attempt.statements)).get(failures.key)!;
  if (!user.passwordHash || !(await verifyPassword(password, user.passwordHash))) {
    await auditStatement(deps, { action: 'password.confirm_failed', userId: user.id }).run();
    throw wrongPassword();
  }
  await releaseRateLimitHitStatement(deps.db, reservation).run();
  return { ...user, passwordHash: user.passwordHash };
}

/** POST /password/change: needs the current password; revokes the other sessions; sends a notice. */
export async function changePassword(
  deps: Deps,
  auth: AccessTokenClaims,
  input: { currentPassword: string; newPassword: string },
): Promise<string[]> {
  const user = await confirmPassword(deps, auth.userId, input.currentPassword);
  const passwordHash = await hashPassword(input.newPassword);
  // The write holds only if the password just checked is still the account's (a reset during the
  // hashing wins), and the rest only if the write happened.
  const changed = hasPasswordHashCondition(user.id, passwordHash);
  const notice = passwordChangedNotice(deps, user, changed);
  const results = await runBatch(deps.db, [
    updatePasswordHashStatement(deps.db, {
      userId: user.id,
      passwordHash,
      now: deps.now,
      when: hasPasswordHashCondition(user.id, user.passwordHash),
    }),
    revokeUserSessionsStatement(deps.db, {
      userId: user.id,
      now: deps.now,
      reason: 'password_changed',
      keepSessionId: auth.sessionId,
      when: changed,
    }),
    voidAccountTokensStatement(deps.db, { userId: user.id, purpose: 'reset_password', now: deps.now, when: changed }),
    auditStatement(deps, { action: 'password.changed', userId: user.id }, changed),
    notice.statement,
  ]);
  if (results[0]?.meta.changes !== 1) throw wrongPassword();
  return [notice.id];
}
