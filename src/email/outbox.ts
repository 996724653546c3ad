// The outbox: emails are queued in the same D1 batch as their token, delivered after the response,
// and retried by the scheduled job with backoff until delivered or given up on.
import type { Condition, Database } from '../db/client';
import {
  claimOutboxEmail,
  insertOutboxEmailStatement,
  listDueOutboxIds,
  markOutboxAttemptFailed,
  markOutboxSent,
} from '../db/email-outbox';
import type { Deps } from '../deps';
import { afterResponse } from '../lib/after-response';
import { newId } from '../lib/crypto';
import { createEmailSender, type EmailSender } from './senders';
import type { EmailContent } from './templates';

/**
 * Delivery outlives a request (the retry job sends a batch, one provider call at a time), so it reads
 * the clock for each email rather than taking the request's `now`: a claim's lease starts when it is taken.
 */
export type DeliveryDeps = Pick<Deps, 'db' | 'log'> & { sender: EmailSender };

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
    const email = await claimOutboxEmail(deps.db, id, new Date(), CLAIM_LEASE_MS);
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
      const retryAt = email.attempts >= MAX_ATTEMPTS ? null : new Date(Date.now() + retryDelayMs(email.attempts));
      await markOutboxAttemptFailed(deps.db, { id, error: message, retryAt });
      deps.log[retryAt ? 'warn' : 'error']('email delivery failed', {
        email_id: id,
        attempts: email.attempts,
        error: message,
      });
      continue;
    }
    await markOutboxSent(deps.db, id, new Date(), !deps.sender.keepsBody);
  }
}

/** The scheduled job's part: deliver what is due (failed earlier, or orphaned by a dead sender). */
export async function retryDueEmails(deps: DeliveryDeps): Promise<number> {
  const ids = await listDueOutboxIds(deps.db, new Date(), RETRY_BATCH_SIZE);
  await deliverEmails(deps, ids);
  return ids.length;
}

/**
 * Delivers a request's queued emails after its response is sent; failures stay queued for the retry
 * job. Takes the request context (Hono's, or anything with an executionCtx) and reads it only when
 * there is an email to send.
 */
export function deliverAfterResponse(
  request: { executionCtx: Pick<ExecutionContext, 'waitUntil'> },
  deps: Pick<Deps, 'db' | 'config' | 'log'>,
  outboxIds: string[],
): void {
  if (outboxIds.length === 0) return;
  const sender = createEmailSender(deps.config.email, deps.log);
  afterResponse(request, () => deliverEmails({ db: deps.db, log: deps.log, sender }, outboxIds));
}
