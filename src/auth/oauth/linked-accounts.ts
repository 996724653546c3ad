// Listing and unlinking a user's OAuth providers.
import { auditStatement } from '../../db/audit-log';
import { listOAuthAccounts, unlinkOAuthAccount } from '../../db/oauth-accounts';
import { findUserById } from '../../db/users';
import { readNearby, type Deps } from '../../deps';
import { AppError, notFound } from '../../errors';
import { PROVIDER_NAMES, type ProviderName } from './identity';

export async function listLinkedAccounts(deps: Deps, userId: string) {
  const found = await readNearby(deps, async (db) => {
    const [accounts, user] = await Promise.all([listOAuthAccounts(db, userId), findUserById(db, userId)]);
    return user ? { accounts, user } : null;
  });
  if (!found) throw notFound('No such user.');
  const { accounts, user } = found;
  return {
    accounts: accounts.map((account) => ({
      provider: account.provider,
      email: account.email,
      created_at: account.createdAt.toISOString(),
      last_login_at: account.lastLoginAt.toISOString(),
    })),
    has_password: user.passwordHash !== null,
  };
}

/** 404 when not linked; 409 LAST_SIGN_IN_METHOD when it is the only way left to sign in. */
export async function unlinkProvider(deps: Deps, userId: string, provider: string): Promise<void> {
  if (!(PROVIDER_NAMES as readonly string[]).includes(provider)) throw notFound('No such linked provider.');
  const name = provider as ProviderName;
  if (await unlinkOAuthAccount(deps.db, userId, name)) {
    await auditStatement(deps, { action: 'oauth.unlinked', userId, metadata: { provider: name } }).run();
    return;
  }
  const stillLinked = (await listOAuthAccounts(deps.db, userId)).some((account) => account.provider === name);
  if (!stillLinked) throw notFound('No such linked provider.');
  throw new AppError('LAST_SIGN_IN_METHOD');
}
