// The cron trigger's jobs: retry undelivered emails, then delete expired rows.
import { loadConfig } from './config';
import { deleteExpiredRows } from './db/cleanup';
import { createDatabase } from './db/client';
import { retryDueEmails } from './email/outbox';
import { createEmailSender } from './email/senders';

export async function runScheduledJobs(bindings: Env, now: () => Date = () => new Date()): Promise<void> {
  const config = loadConfig(bindings);
  const db = createDatabase(bindings);
  const started = now();
  const retried = await retryDueEmails({ db, now, sender: createEmailSender(config.email) });
  const deleted = await deleteExpiredRows(db, now());
  console.log(
    JSON.stringify({
      level: 'info',
      msg: 'scheduled jobs',
      started: started.toISOString(),
      emails_tried: retried,
      deleted,
    }),
  );
}
