// DELETE /api/me: the user and everything hanging off them, after a fresh proof that it is them.
import { auditStatement } from '../db/audit-log';
import { runBatch } from '../db/client';
import { findLiveSessionWithUser } from '../db/sessions';
import { deleteUserStatement } from '../db/users';
import type { Deps } from '../deps';
import { AppError } from '../errors';
import type { AccessTokenClaims } from './access-tokens';
import { confirmPassword } from './password-recovery';

/** An OAuth sign-in this recent counts as proof instead of a password (OAuth accounts may have none). */
export const RECENT_OAUTH_LOGIN_MS = 10 * 60_000;

const proofRequired = () =>
  new AppError('INVALID_CREDENTIALS', 'Confirm with your password, or sign in with your provider again first.');

/**
 * Deletes the account: sessions, refresh tokens, email tokens, OAuth links and queued emails go
 * with it (ON DELETE CASCADE); the audit entry stays. `beforeDelete` lets billing cancel the
 * subscription first, so no one is charged for a deleted account.
 */
export async function deleteAccount(
  deps: Deps,
  auth: AccessTokenClaims,
  input: { password?: string },
  beforeDelete: (userId: string) => Promise<void> = async () => {},
): Promise<void> {
  if (input.password !== undefined) {
    await confirmPassword(deps, auth.userId, input.password);
  } else {
    const live = await findLiveSessionWithUser(deps.db, auth.sessionId, deps.now);
    const session = live?.session;
    const recentOAuth =
      session !== undefined &&
      session.authMethod.startsWith('oauth:') &&
      deps.now.getTime() - session.createdAt.getTime() <= RECENT_OAUTH_LOGIN_MS;
    if (!recentOAuth) throw proofRequired();
  }
  await beforeDelete(auth.userId);
  await runBatch(deps.db, [
    auditStatement(deps, { action: 'account.deleted', userId: auth.userId }),
    deleteUserStatement(deps.db, auth.userId),
  ]);
}
