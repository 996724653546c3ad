// Queries on the email outbox: enqueue, claim for delivery, record the outcome, list, clean up.
import { desc, sql } from 'drizzle-orm';
import { ALWAYS, sqlStatement, type Condition, type Database, type Statement } from './client';
import { emailOutbox, type OutboxEmail } from './schema';

export interface NewOutboxEmail {
  id: string;
  userId: string | null;
  toAddress: string;
  template: string;
  subject: string;
  textBody: string;
  htmlBody: string;
}

/** Batchable, written with the token or change the email carries; `when` gates it like the rest. */
export function insertOutboxEmailStatement(
  db: Database,
  email: NewOutboxEmail,
  now: Date,
  when: Condition = ALWAYS,
): Statement {
  return sqlStatement(
    db,
    `INSERT INTO email_outbox (id, user_id, to_address, template, subject, text_body, html_body,
                               status, attempts, next_attempt_at, created_at)
     SELECT ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ? WHERE ${when.sql}`,
    email.id,
    email.userId,
    email.toAddress,
    email.template,
    email.subject,
    email.textBody,
    email.htmlBody,
    now.getTime(),
    now.getTime(),
    ...when.params,
  );
}

interface OutboxRow {
  id: string;
  user_id: string | null;
  to_address: string;
  template: string;
  subject: string;
  text_body: string | null;
  html_body: string | null;
  status: OutboxEmail['status'];
  attempts: number;
}

export interface ClaimedEmail {
  id: string;
  toAddress: string;
  subject: string;
  textBody: string;
  htmlBody: string;
  attempts: number;
}

/**
 * Claims one email for delivery: pending and due, or `sending` with an expired lease (its sender
 * died). Sent and failed rows are never claimed, so a delivered email is never sent again.
 */
export async function claimOutboxEmail(
  db: Database,
  id: string,
  now: Date,
  leaseMs: number,
): Promise<ClaimedEmail | null> {
  const row = await sqlStatement(
    db,
    `UPDATE email_outbox SET status = 'sending', attempts = attempts + 1, locked_until = ?1
     WHERE id = ?2 AND text_body IS NOT NULL AND (
       (status = 'pending' AND next_attempt_at <= ?3) OR (status = 'sending' AND locked_until <= ?3))
     RETURNING *`,
    now.getTime() + leaseMs,
    id,
    now.getTime(),
  ).first<OutboxRow>();
  if (!row) return null;
  return {
    id: row.id,
    toAddress: row.to_address,
    subject: row.subject,
    textBody: row.text_body ?? '',
    htmlBody: row.html_body ?? '',
    attempts: row.attempts,
  };
}

/** Delivered. `eraseBody` drops the text and HTML, which may hold a one-time link. */
export async function markOutboxSent(db: Database, id: string, now: Date, eraseBody: boolean): Promise<void> {
  await sqlStatement(
    db,
    `UPDATE email_outbox SET status = 'sent', sent_at = ?, locked_until = NULL, last_error = NULL,
       text_body = CASE WHEN ? THEN NULL ELSE text_body END,
       html_body = CASE WHEN ? THEN NULL ELSE html_body END
     WHERE id = ?`,
    now.getTime(),
    eraseBody ? 1 : 0,
    eraseBody ? 1 : 0,
    id,
  ).run();
}

/** Not delivered: due again at `retryAt`, or given up on (`failed`) when it is null. */
export async function markOutboxAttemptFailed(
  db: Database,
  input: { id: string; error: string; retryAt: Date | null },
): Promise<void> {
  await sqlStatement(
    db,
    `UPDATE email_outbox SET status = ?, next_attempt_at = COALESCE(?, next_attempt_at),
       locked_until = NULL, last_error = ? WHERE id = ?`,
    input.retryAt ? 'pending' : 'failed',
    input.retryAt ? input.retryAt.getTime() : null,
    input.error.slice(0, 500),
    input.id,
  ).run();
}

/** Ids of emails the retry job should try now, oldest first. */
export async function listDueOutboxIds(db: Database, now: Date, limit: number): Promise<string[]> {
  const rows = await sqlStatement(
    db,
    `SELECT id FROM email_outbox
     WHERE (status = 'pending' AND next_attempt_at <= ?1) OR (status = 'sending' AND locked_until <= ?1)
     ORDER BY next_attempt_at LIMIT ?2`,
    now.getTime(),
    limit,
  ).all<{ id: string }>();
  return rows.results.map((row) => row.id);
}

export async function listRecentOutboxEmails(db: Database, limit: number): Promise<OutboxEmail[]> {
  // rowid breaks ties between emails queued in the same millisecond: it follows insertion order.
  return db
    .select()
    .from(emailOutbox)
    .orderBy(desc(emailOutbox.createdAt), sql`rowid desc`)
    .limit(limit)
    .all();
}
