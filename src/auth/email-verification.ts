// Email verification: the link sent at sign-up, its resend, and using it (which proves the address).
import { tokenUsedBy, useAccountTokenStatement } from '../db/account-tokens';
import { auditStatement } from '../db/audit-log';
import { rowsOf, runBatch } from '../db/client';
import type { User } from '../db/schema';
import {
  findUserById,
  markEmailVerifiedStatement,
  selectUserByIdStatement,
  userFromRow,
  type UserRow,
} from '../db/users';
import type { Deps } from '../deps';
import { queueEmail } from '../email/outbox';
import { verificationEmail } from '../email/templates';
import { notFound } from '../errors';
import { randomToken } from '../lib/crypto';
import type { AccessTokenClaims } from './access-tokens';
import { checkAccountToken, invalidToken, newAccountToken } from './account-tokens';
import { dropUnvouchedCredentials, presentingCredential } from './address-proof';
import { adminEmailsPromotion } from './admin-emails';
import { accountWindow, countAttempt, RATE_RULES } from './rate-limits';

/** The token and its email, for the caller's batch (registration writes them with the user). */
export async function verificationEmailStatements(deps: Deps, user: User) {
  const { token, statement: tokenStatement } = await newAccountToken(deps, user, 'verify_email');
  const email = queueEmail(deps.db, {
    userId: user.id,
    to: user.email,
    content: verificationEmail({ appUrl: deps.config.appUrl, token }),
    now: deps.now,
  });
  return { outboxId: email.id, statements: [tokenStatement, email.statement] };
}

/**
 * POST /verify-email: single use; every change only happens if this request used the token. The
 * link proves the address, so credentials set without that proof (a password chosen at sign-up,
 * links of providers that did not vouch for it) are removed, except the one whose own session
 * opened the link (`presenter`, the caller's access token, when sent).
 */
export async function verifyEmail(
  deps: Deps,
  presented: string,
  presenter: AccessTokenClaims | null = null,
): Promise<User> {
  const token = await checkAccountToken(deps, presented, 'verify_email');
  const keep = await presentingCredential(deps, presenter, token.userId);
  const nonce = randomToken(16);
  const used = tokenUsedBy(token.id, nonce);
  const results = await runBatch(deps.db, [
    useAccountTokenStatement(deps.db, { id: token.id, purpose: 'verify_email', nonce, now: deps.now }),
    markEmailVerifiedStatement(deps.db, { userId: token.userId, email: token.email, now: deps.now, when: used }),
    auditStatement(deps, { action: 'email.verified', userId: token.userId, metadata: { email: token.email } }, used),
    ...dropUnvouchedCredentials(deps, { userId: token.userId, proof: 'email_verification', keep, when: used }),
    ...adminEmailsPromotion(deps, { id: token.userId, email: token.email }, used),
    selectUserByIdStatement(deps.db, token.userId),
  ]);
  // A concurrent request used it first: this one changed nothing and must say so.
  if (results[0]?.meta.changes !== 1) throw invalidToken();
  const row = rowsOf<UserRow>(results[results.length - 1])[0];
  if (!row) throw notFound('No such user.');
  return userFromRow(row);
}

/** POST /verify-email/resend: a new link (nothing to send once verified), 5 emails an hour. */
export async function resendVerification(deps: Deps, auth: AccessTokenClaims): Promise<string[]> {
  const user = await findUserById(deps.db, auth.userId);
  if (!user) throw notFound('No such user.');
  if (user.emailVerifiedAt !== null) return [];
  const attempt = countAttempt(deps.db, [accountWindow(RATE_RULES.emailsPerAccount, user.email)], deps.now);
  attempt.settle(await runBatch(deps.db, attempt.statements));
  const { outboxId, statements } = await verificationEmailStatements(deps, user);
  await runBatch(deps.db, statements);
  return [outboxId];
}
