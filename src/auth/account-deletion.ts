// DELETE /api/me: the user and everything hanging off them, after a fresh proof that it is them.
import { auditStatement } from '../db/audit-log';
import { runBatch } from '../db/client';
import { findLiveSessionWithUser } from '../db/sessions';
import { deleteUserStatement } from '../db/users';
import type { Deps } from '../deps';
import { AppError } from '../errors';
import type { AccessTokenClaims } from './access-tokens';
import { confirmPassword } from './password-recovery';

/** An OAuth or passkey sign-in (or a step-up after one) this recent counts as proof instead of a password (such accounts may have none). */
export const RECENT_OAUTH_LOGIN_MS = 10 * 60_000;

const proofRequired = () =>
  new AppError(
    'INVALID_CREDENTIALS',
    'Confirm with your password, or sign in with your provider or passkey again first.',
  );

/**
 * Deletes the account: sessions, refresh tokens, email tokens, OAuth links, queued emails and
 * memberships go with it (ON DELETE CASCADE), and so do the organizations it was the only member
 * of (src/orgs/account-deletion.ts); the audit entry stays. The last owner of an organization with
 * other members is refused. `beforeDelete` lets billing cancel the subscription first, so no one is
 * charged for a deleted account.
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
      (session.authMethod.startsWith('oauth:') || session.authMethod === 'passkey') &&
      deps.now.getTime() - (session.authenticatedAt ?? session.createdAt).getTime() <= RECENT_OAUTH_LOGIN_MS;
    if (!recentOAuth) throw proofRequired();
  }
  // Loaded on first use, with the organizations feature (src/lazy-router.ts): deletions are rare.
  const organizations = await import('../orgs/feature');
  await organizations.prepareAccountDeletion(deps, auth.userId);
  await beforeDelete(auth.userId);
  const { mayGo, statements } = organizations.accountDeletionStatements(deps, auth.userId);
  const results = await runBatch(deps.db, [
    auditStatement(deps, { action: 'account.deleted', userId: auth.userId }, mayGo),
    ...statements,
    deleteUserStatement(deps.db, auth.userId, mayGo),
  ]);
  // Changes include the rows the delete cascades to. None: the guard refused, or a concurrent
  // deletion of this account came first (then this one has nothing left to do).
  if (
    (results[results.length - 1]?.meta.changes ?? 0) === 0 &&
    (await organizations.refusedAsLastOwner(deps, auth.userId))
  ) {
    throw organizations.lastOwner();
  }
}
