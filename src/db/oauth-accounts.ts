// Queries on OAuth links (provider identity → user) and on used OAuth states.
import { and, asc, eq } from 'drizzle-orm';
import { sqlStatement, statementFrom, type Condition, type Database, type Statement } from './client';
import { oauthAccounts, users, type OAuthAccount, type User } from './schema';

type Provider = OAuthAccount['provider'];

export async function findOAuthAccountWithUser(
  db: Database,
  provider: Provider,
  providerUserId: string,
): Promise<{ account: OAuthAccount; user: User } | null> {
  const row = await db
    .select({ account: oauthAccounts, user: users })
    .from(oauthAccounts)
    .innerJoin(users, eq(users.id, oauthAccounts.userId))
    .where(and(eq(oauthAccounts.provider, provider), eq(oauthAccounts.providerUserId, providerUserId)))
    .get();
  return row ?? null;
}

/** True while this identity is still linked to the user and the user is enabled. */
export function linkStandsCondition(input: { provider: Provider; providerUserId: string; userId: string }): Condition {
  return {
    sql: `EXISTS (SELECT 1 FROM oauth_accounts o JOIN users u ON u.id = o.user_id
                  WHERE o.provider = ? AND o.provider_user_id = ? AND o.user_id = ? AND u.disabled_at IS NULL)`,
    params: [input.provider, input.providerUserId, input.userId],
  };
}

/**
 * Batchable, before linking `providerUserId`: removes the user's link to another subject at the same
 * provider (a user the provider re-created), so the new link can take the one slot per provider.
 */
export function replaceProviderLinkStatement(
  db: Database,
  input: { userId: string; provider: Provider; providerUserId: string },
): Statement {
  return sqlStatement(
    db,
    'DELETE FROM oauth_accounts WHERE user_id = ? AND provider = ? AND provider_user_id != ?',
    input.userId,
    input.provider,
    input.providerUserId,
  );
}

export function insertOAuthAccountStatement(db: Database, account: typeof oauthAccounts.$inferInsert): Statement {
  return statementFrom(db, db.insert(oauthAccounts).values(account));
}

/** Batchable: records a sign-in through the link; `vouched` upgrades it once the provider vouches for the address. */
export function touchOAuthAccountStatement(
  db: Database,
  input: { provider: Provider; providerUserId: string; email: string | null; vouched: boolean; now: Date },
): Statement {
  return sqlStatement(
    db,
    `UPDATE oauth_accounts SET last_login_at = ?, email = COALESCE(?, email), email_verified = max(email_verified, ?)
     WHERE provider = ? AND provider_user_id = ?`,
    input.now.getTime(),
    input.email,
    input.vouched ? 1 : 0,
    input.provider,
    input.providerUserId,
  );
}

export async function listOAuthAccounts(db: Database, userId: string): Promise<OAuthAccount[]> {
  return db
    .select()
    .from(oauthAccounts)
    .where(eq(oauthAccounts.userId, userId))
    .orderBy(asc(oauthAccounts.createdAt))
    .all();
}

/**
 * Unlinks a provider unless it is the user's last way to sign in (no password, no other link).
 * One conditional statement, so two concurrent unlinks can't remove the last two links.
 */
export async function unlinkOAuthAccount(db: Database, userId: string, provider: Provider): Promise<boolean> {
  const removed = await sqlStatement(
    db,
    `DELETE FROM oauth_accounts WHERE user_id = ?1 AND provider = ?2 AND (
       (SELECT password_hash FROM users WHERE id = ?1) IS NOT NULL
       OR (SELECT count(*) FROM oauth_accounts WHERE user_id = ?1) > 1
       OR EXISTS (SELECT 1 FROM passkeys WHERE user_id = ?1))
     RETURNING provider`,
    userId,
    provider,
  ).all();
  return removed.results.length > 0;
}

/** Fails with a UNIQUE violation on `oauth_state_uses.state_hash` when the state was used before. */
export async function recordOAuthStateUse(db: Database, stateHash: string, now: Date): Promise<void> {
  await sqlStatement(
    db,
    'INSERT INTO oauth_state_uses (state_hash, used_at) VALUES (?, ?)',
    stateHash,
    now.getTime(),
  ).run();
}
