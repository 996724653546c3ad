// The outbox: emails are queued in the same D1 batch as their token, delivered after the response,
// and retried by the scheduled job with backoff until delivered or given up on.
import type { Database } from '../db/client';
import {
  claimOutboxEmail,
  insertOutboxEmailStatement,
  listDueOutboxIds,
  markOutboxAttemptFailed,
  markOutboxSent,
} from '../db/email-outbox';
import type { Condition } from '../db/client';
import { newId } from '../lib/crypto';
import type { EmailSender } from './senders';
import type { EmailContent } from './templates';

export interface DeliveryDeps {
  db: Database;
  now: () => Date;
  sender: EmailSender;
}

/** A sender that dies mid-delivery gives its claim back after this long. */
const CLAIM_LEASE_MS = 2 * 60_000;
/** Attempts before an email is marked `failed`: with the backoff below, about two hours in all. */
export const MAX_ATTEMPTS = 8;
const RETRY_BATCH_SIZE = 25;

/** Minutes before attempt n+1: 1, 2, 4, ... capped at 2 hours. */
export function retryDelayMs(attempts: number): number {
  return Math.min(2 ** Math.max(0, attempts - 1), 120) * 60_000;
}

/** The outbox row for an email, to commit in the caller's batch; returns its id for delivery. */
export function queueEmail(
  db: Database,
  input: { userId: string | null; to: string; content: EmailContent; now: Date; when?: Condition },
) {
  const id = newId();
  const statement = insertOutboxEmailStatement(
    db,
    {
      id,
      userId: input.userId,
      toAddress: input.to,
      template: input.content.template,
      subject: input.content.subject,
      textBody: input.content.text,
      htmlBody: input.content.html,
    },
    input.now,
    input.when,
  );
  return { id, statement };
}

/** Tries to deliver each email once; failures are recorded for the retry job, never thrown. */
export async function deliverEmails(deps: DeliveryDeps, ids: string[]): Promise<void> {
  for (const id of ids) {
    const email = await claimOutboxEmail(deps.db, id, deps.now(), CLAIM_LEASE_MS);
    if (!email) continue; // already delivered, given up on, not due, or being sent elsewhere
    try {
      await deps.sender.send({
        id: email.id,
        to: email.toAddress,
        subject: email.subject,
        text: email.textBody,
        html: email.htmlBody,
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const retryAt =
        email.attempts >= MAX_ATTEMPTS ? null : new Date(deps.now().getTime() + retryDelayMs(email.attempts));
      await markOutboxAttemptFailed(deps.db, { id, error: message, retryAt });
      console.log(
        JSON.stringify({
          level: retryAt ? 'warn' : 'error',
          msg: 'email delivery failed',
          email_id: id,
          attempts: email.attempts,
          error: message,
        }),
      );
      continue;
    }
    await markOutboxSent(deps.db, id, deps.now(), !deps.sender.keepsBody);
  }
}

/** The scheduled job's part: deliver what is due (failed earlier, or orphaned by a dead sender). */
export async function retryDueEmails(deps: DeliveryDeps): Promise<number> {
  const ids = await listDueOutboxIds(deps.db, deps.now(), RETRY_BATCH_SIZE);
  await deliverEmails(deps, ids);
  return ids.length;
}
