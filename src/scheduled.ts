// The cron trigger's jobs: retry undelivered emails, then delete expired rows.
import { loadConfig } from './config';
import { deleteExpiredRows } from './db/cleanup';
import { createDatabase } from './db/client';
import { retryDueEmails } from './email/outbox';
import { createEmailSender } from './email/senders';
import { createLogger } from './lib/log';

export async function runScheduledJobs(bindings: Env): Promise<void> {
  const config = loadConfig(bindings);
  const db = createDatabase(bindings);
  const log = createLogger({ job: 'scheduled' });
  const started = new Date();
  const retried = await retryDueEmails({ db, log, sender: createEmailSender(config.email, log) });
  const deleted = await deleteExpiredRows(db, started, {
    auditDays: config.auditRetentionDays,
    stripeEventDays: config.stripeEventRetentionDays,
  });
  log.info('scheduled jobs', { started: started.toISOString(), emails_tried: retried, deleted });
}
