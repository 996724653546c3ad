// What proving an account's address removes: the credentials nobody proved it for. A password chosen
// at sign-up and a provider link whose provider did not vouch for the address could belong to
// someone else who made the account first (pre-account hijacking).
import type { Condition, Database, Statement } from './client';
import { sqlStatement } from './client';
import type { OAuthAccount } from './schema';

/** The credential whose own session presented the proof: it stays, and counts as vouched from then on. */
export type KeptCredential = 'password' | OAuthAccount['provider'] | null;

/**
 * Batchable, in this order: the audit entry (only if something goes: which providers, whether the
 * password), the sessions those credentials started, the links, the password, then vouching for
 * `keep`. Every statement holds only when `when` does (the proof took effect in this batch).
 */
export function removeUnvouchedCredentialsStatements(
  db: Database,
  input: {
    userId: string;
    keep: KeptCredential;
    now: Date;
    when: Condition;
    audit: { id: string; proof: string; ipAddress: string | null; userAgent: string | null };
  },
): Statement[] {
  const { userId, keep, now, when, audit } = input;
  const links = `FROM oauth_accounts WHERE user_id = ? AND email_verified = 0 AND provider IS NOT ?`;
  const password = `EXISTS (SELECT 1 FROM users WHERE id = ? AND password_hash IS NOT NULL AND password_vouched = 0) AND ? IS NOT 'password'`;
  const statements = [
    sqlStatement(
      db,
      `INSERT INTO audit_log (id, user_id, action, ip_address, user_agent, metadata, created_at)
       SELECT ?, ?, 'account.unvouched_credentials_removed', ?, ?,
              json_object('providers', json(providers), 'password', json(CASE WHEN password THEN 'true' ELSE 'false' END), 'proof', ?), ?
       FROM (SELECT (SELECT json_group_array(provider) ${links}) AS providers, (SELECT count(*) ${links}) AS link_count,
                    (${password}) AS password)
       WHERE (link_count > 0 OR password) AND ${when.sql}`,
      audit.id,
      userId,
      audit.ipAddress,
      audit.userAgent,
      audit.proof,
      now.getTime(),
      userId,
      keep,
      userId,
      keep,
      userId,
      keep,
      ...when.params,
    ),
    sqlStatement(
      db,
      `UPDATE sessions SET revoked_at = ?, revoked_reason = 'credential_unvouched'
       WHERE user_id = ? AND revoked_at IS NULL
         AND (auth_method IN (SELECT 'oauth:' || provider ${links}) OR (auth_method = 'password' AND ${password}))
         AND ${when.sql}`,
      now.getTime(),
      userId,
      userId,
      keep,
      userId,
      keep,
      ...when.params,
    ),
    sqlStatement(db, `DELETE ${links} AND ${when.sql}`, userId, keep, ...when.params),
    // Sign-ins waiting for their second step may have started from what goes here: they go too.
    sqlStatement(db, `DELETE FROM mfa_challenges WHERE user_id = ? AND ${when.sql}`, userId, ...when.params),
    sqlStatement(
      db,
      `UPDATE users SET password_hash = NULL, updated_at = ? WHERE id = ? AND ${password} AND ${when.sql}`,
      now.getTime(),
      userId,
      userId,
      keep,
      ...when.params,
    ),
  ];
  if (keep === 'password') {
    statements.push(
      sqlStatement(
        db,
        `UPDATE users SET password_vouched = 1 WHERE id = ? AND password_hash IS NOT NULL AND ${when.sql}`,
        userId,
        ...when.params,
      ),
    );
  } else if (keep !== null) {
    statements.push(
      sqlStatement(
        db,
        `UPDATE oauth_accounts SET email_verified = 1 WHERE user_id = ? AND provider = ? AND ${when.sql}`,
        userId,
        keep,
        ...when.params,
      ),
    );
  }
  return statements;
}
