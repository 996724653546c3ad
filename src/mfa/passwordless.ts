// DELETE /api/me/password: going passwordless. Only while another way to sign in remains (a linked
// provider or a passkey), as unlinking a provider works; the user is emailed.
import type { AccessTokenClaims } from '../auth/access-tokens';
import { confirmPassword } from '../auth/password-recovery';
import { auditStatement } from '../db/audit-log';
import { runBatch } from '../db/client';
import { passwordRemovedCondition, removePasswordStatement } from '../db/second-factors';
import type { Deps } from '../deps';
import { AppError } from '../errors';
import { secondFactorNotice } from './notices';

export async function removePassword(deps: Deps, auth: AccessTokenClaims, currentPassword: string): Promise<string[]> {
  const user = await confirmPassword(deps, auth.userId, currentPassword);
  const removed = passwordRemovedCondition(user.id);
  const notice = secondFactorNotice(deps, user, 'password_removed', removed);
  const results = await runBatch(deps.db, [
    removePasswordStatement(deps.db, { userId: user.id, passwordHash: user.passwordHash, now: deps.now }),
    auditStatement(deps, { action: 'password.removed', userId: user.id }, removed),
    notice.statement,
  ]);
  if (results[0]?.meta.changes !== 1) {
    throw new AppError(
      'LAST_SIGN_IN_METHOD',
      'This is your only way to sign in; add a passkey or link a provider first.',
    );
  }
  return [notice.id];
}
