// Deletes rows nobody needs any more; run by the scheduled job.
import { runBatch, sqlStatement, type Database } from './client';

const DAY = 86_400_000;

export interface CleanupCounts {
  sessions: number;
  accountTokens: number;
  outboxEmails: number;
  rateLimitHits: number;
  oauthStateUses: number;
  invitations: number;
  /** Pending second steps of sign-ins and WebAuthn challenges, once expired. */
  signInChallenges: number;
  /** API keys revoked or expired more than 30 days ago (lists show them until then). */
  apiKeys: number;
  auditEntries: number;
  stripeEvents: number;
}

/** What the retention settings keep (days). */
export interface Retention {
  auditDays: number;
  stripeEventDays: number;
}

/**
 * Rows per DELETE, and DELETEs per table per run, for the tables pruned by age: a big backlog (the
 * first run after setting a retention) is worked off over several runs in statements that each stay
 * small, never in one DELETE that holds the primary for long.
 */
export const PRUNE_CHUNK_ROWS = 500;
export const PRUNE_MAX_CHUNKS = 20;

/** The tables pruned by age, each with its (indexed) time column. */
const PRUNED_BY_AGE = { audit_log: 'created_at', stripe_events: 'received_at' } as const;

/**
 * Ended sessions (a day after they ended; their refresh tokens go with them), spent or expired
 * email tokens, delivered emails after a week and failed ones after a month, and rate-limit hits
 * older than the longest window (1 hour), used OAuth states after an hour, expired invitations and sign-in challenges,
 * API keys 30 days after they were revoked or expired: one batch. Then audit
 * entries and the Stripe event ledger past their retention, in bounded chunks.
 */
export async function deleteExpiredRows(db: Database, now: Date, retention: Retention): Promise<CleanupCounts> {
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
    sqlStatement(db, 'DELETE FROM invitations WHERE expires_at < ?', now.getTime()),
    sqlStatement(db, 'DELETE FROM mfa_challenges WHERE expires_at < ?', now.getTime()),
    sqlStatement(db, 'DELETE FROM webauthn_challenges WHERE expires_at < ?', now.getTime()),
    sqlStatement(db, 'DELETE FROM api_keys WHERE revoked_at < ?1 OR expires_at < ?1', now.getTime() - 30 * DAY),
  ]);
  const changes = (i: number) => results[i]?.meta.changes ?? 0;
  return {
    sessions: changes(0),
    accountTokens: changes(1),
    outboxEmails: changes(2),
    rateLimitHits: changes(3),
    oauthStateUses: changes(4),
    invitations: changes(5),
    signInChallenges: changes(6) + changes(7),
    apiKeys: changes(8),
    auditEntries: await pruneOlderThan(db, 'audit_log', now.getTime() - retention.auditDays * DAY),
    stripeEvents: await pruneOlderThan(db, 'stripe_events', now.getTime() - retention.stripeEventDays * DAY),
  };
}

/**
 * Deletes the table's rows whose time is before `cutoff`, oldest first, PRUNE_CHUNK_ROWS at a time
 * (through the time column's index), at most `maxChunks` statements; the count deleted.
 */
export async function pruneOlderThan(
  db: Database,
  table: keyof typeof PRUNED_BY_AGE,
  cutoff: number,
  options: { chunkRows?: number; maxChunks?: number } = {},
): Promise<number> {
  const { chunkRows = PRUNE_CHUNK_ROWS, maxChunks = PRUNE_MAX_CHUNKS } = options;
  const column = PRUNED_BY_AGE[table];
  let deleted = 0;
  for (let chunk = 0; chunk < maxChunks; chunk++) {
    const [result] = await runBatch(db, [
      sqlStatement(
        db,
        `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${column} < ? ORDER BY ${column} LIMIT ?)`,
        cutoff,
        chunkRows,
      ),
    ]);
    const changes = result?.meta.changes ?? 0;
    deleted += changes;
    if (changes < chunkRows) break;
  }
  return deleted;
}
