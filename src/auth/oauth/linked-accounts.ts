// Listing and unlinking a user's OAuth providers, and dropping the ones that never vouched for the address.
import { ALWAYS, type Condition, type Statement } from '../../db/client';
import { listOAuthAccounts, removeUnvouchedLinksStatements, unlinkOAuthAccount } from '../../db/oauth-accounts';
import { findUserById } from '../../db/users';
import { AppError, notFound } from '../../errors';
import { newId } from '../../lib/crypto';
import { auditStatement, type AuthDeps } from '../sessions';
import { PROVIDER_NAMES, type ProviderName } from './identity';

export async function listLinkedAccounts(deps: AuthDeps, userId: string) {
  const [accounts, user] = await Promise.all([listOAuthAccounts(deps.db, userId), findUserById(deps.db, userId)]);
  if (!user) throw notFound('No such user.');
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
export async function unlinkProvider(deps: AuthDeps, userId: string, provider: string): Promise<void> {
  if (!(PROVIDER_NAMES as readonly string[]).includes(provider)) throw notFound('No such linked provider.');
  const name = provider as ProviderName;
  if (await unlinkOAuthAccount(deps.db, userId, name)) {
    await auditStatement(deps, { action: 'oauth.unlinked', userId, metadata: { provider: name } }).run();
    return;
  }
  const stillLinked = (await listOAuthAccounts(deps.db, userId)).some((account) => account.provider === name);
  if (!stillLinked) throw notFound('No such linked provider.');
  throw new AppError(409, 'LAST_SIGN_IN_METHOD', 'This is your only way to sign in; set a password or link another provider first.');
}

/**
 * Batchable: once the owner of the account's address proves it (`proof`: the verification link, a
 * reset link, or a provider that vouches for it), the links whose provider did not vouch for the
 * address go, with the sessions they started; whoever made them could otherwise keep signing in
 * (pre-account hijacking). `keepProvider` is the provider whose own session presented the proof.
 */
export function dropUnvouchedLinks(
  deps: AuthDeps,
  input: { userId: string; proof: string; keepProvider?: ProviderName | null; when?: Condition },
): Statement[] {
  return removeUnvouchedLinksStatements(deps.db, {
    userId: input.userId,
    keepProvider: input.keepProvider ?? null,
    now: deps.now,
    when: input.when ?? ALWAYS,
    audit: { id: newId(), proof: input.proof, ipAddress: deps.client.ip, userAgent: deps.client.userAgent },
  });
}
