// Deletes rows nobody needs any more; run by the scheduled job.
import { runBatch, sqlStatement, type Database } from './client';

const DAY = 86_400_000;

export interface CleanupCounts {
  sessions: number;
  accountTokens: number;
  outboxEmails: number;
  rateLimitHits: number;
  oauthStateUses: number;
}

/**
 * Ended sessions (a day after they ended; their refresh tokens go with them), spent or expired
 * email tokens, delivered emails after a week and failed ones after a month, and rate-limit hits
 * older than the longest window (1 hour), used OAuth states after an hour. One batch.
 */
export async function deleteExpiredRows(db: Database, now: Date): Promise<CleanupCounts> {
  const dayAgo = now.getTime() - DAY;
  const results = await runBatch(db, [
    sqlStatement(db, 'DELETE FROM sessions WHERE expires_at < ?1 OR revoked_at < ?1', dayAgo),
    sqlStatement(db, 'DELETE FROM account_tokens WHERE expires_at < ?1 OR used_at < ?1', dayAgo),
    sqlStatement(
      db,
      `DELETE FROM email_outbox WHERE (status = 'sent' AND sent_at < ?) OR (status = 'failed' AND created_at < ?)`,
      now.getTime() - 7 * DAY,
      now.getTime() - 30 * DAY,
    ),
    sqlStatement(db, 'DELETE FROM rate_limit_hits WHERE hit_at < ?', now.getTime() - 3_600_000),
    // A state is refused 10 minutes after it was issued, so its use record is not needed after that.
    sqlStatement(db, 'DELETE FROM oauth_state_uses WHERE used_at < ?', now.getTime() - 3_600_000),
  ]);
  const changes = (i: number) => results[i]?.meta.changes ?? 0;
  return {
    sessions: changes(0),
    accountTokens: changes(1),
    outboxEmails: changes(2),
    rateLimitHits: changes(3),
    oauthStateUses: changes(4),
  };
}
