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

/**
 * Batchable, in this order: the statements that remove the user's links whose provider did not
 * vouch for the address (except `keepProvider`'s, which becomes vouched), once the address's owner
 * has proven it. The audit entry lists the providers removed and is written only if there were
 * any; the sessions those links started end with them. Each statement holds only when `when` does.
 */
export function removeUnvouchedLinksStatements(
  db: Database,
  input: {
    userId: string;
    keepProvider: Provider | null;
    now: Date;
    when: Condition;
    audit: { id: string; proof: string; ipAddress: string | null; userAgent: string | null };
  },
): Statement[] {
  const unvouched = 'FROM oauth_accounts WHERE user_id = ? AND email_verified = 0 AND provider IS NOT ?';
  const { userId, keepProvider, now, when, audit } = input;
  const statements = [
    sqlStatement(
      db,
      `INSERT INTO audit_log (id, user_id, action, ip_address, user_agent, metadata, created_at)
       SELECT ?, ?, 'oauth.unvouched_links_removed', ?, ?, json_object('providers', json(providers), 'proof', ?), ?
       FROM (SELECT json_group_array(provider) AS providers, count(*) AS links ${unvouched})
       WHERE links > 0 AND ${when.sql}`,
      audit.id,
      userId,
      audit.ipAddress,
      audit.userAgent,
      audit.proof,
      now.getTime(),
      userId,
      keepProvider,
      ...when.params,
    ),
    sqlStatement(
      db,
      `UPDATE sessions SET revoked_at = ?, revoked_reason = 'provider_link_removed'
       WHERE user_id = ? AND revoked_at IS NULL AND auth_method IN (SELECT 'oauth:' || provider ${unvouched}) AND ${when.sql}`,
      now.getTime(),
      userId,
      userId,
      keepProvider,
      ...when.params,
    ),
    sqlStatement(db, `DELETE ${unvouched} AND ${when.sql}`, userId, keepProvider, ...when.params),
  ];
  if (keepProvider !== null) {
    statements.push(
      sqlStatement(
        db,
        `UPDATE oauth_accounts SET email_verified = 1 WHERE user_id = ? AND provider = ? AND ${when.sql}`,
        userId,
        keepProvider,
        ...when.params,
      ),
    );
  }
  return statements;
}

export async function listOAuthAccounts(db: Database, userId: string): Promise<OAuthAccount[]> {
  return db.select().from(oauthAccounts).where(eq(oauthAccounts.userId, userId)).orderBy(asc(oauthAccounts.createdAt)).all();
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
       OR (SELECT count(*) FROM oauth_accounts WHERE user_id = ?1) > 1)
     RETURNING provider`,
    userId,
    provider,
  ).all();
  return removed.results.length > 0;
}

/** Fails with a UNIQUE violation on `oauth_state_uses.state_hash` when the state was used before. */
export async function recordOAuthStateUse(db: Database, stateHash: string, now: Date): Promise<void> {
  await sqlStatement(db, 'INSERT INTO oauth_state_uses (state_hash, used_at) VALUES (?, ?)', stateHash, now.getTime()).run();
}
