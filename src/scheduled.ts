// The cron trigger's jobs: retry undelivered emails and unpushed seat counts, delete expired rows,
// move old audit entries to the archive.
import { archiveAuditEntries, deleteArchivedBefore } from './admin/audit-archive';
import { loadConfig } from './config';
import { deleteExpiredRows } from './db/cleanup';
import { createDatabase, openAuditArchive } from './db/client';
import { retryDueEmails } from './email/outbox';
import { createEmailSender } from './email/senders';
import { createLogger } from './lib/log';

const DAY = 86_400_000;
const startOfUtcDay = (ms: number) => ms - (ms % DAY);

export async function runScheduledJobs(bindings: Env): Promise<void> {
  const config = loadConfig(bindings);
  const db = createDatabase(bindings);
  const log = createLogger({ job: 'scheduled' });
  const started = new Date();
  const retried = await retryDueEmails({ db, log, sender: createEmailSender(config.email, log) });
  // Organizations' seat counts that have not reached Stripe yet (loaded only when billing is on).
  const seatsTried = config.stripe ? await (await import('./orgs/feature')).retryDueSeatSyncs({ db, config, log }) : 0;
  const deleted = await deleteExpiredRows(db, started, {
    auditDays: config.auditRetentionDays,
    stripeEventDays: config.stripeEventRetentionDays,
  });
  const archive = openAuditArchive(bindings);
  const auditArchive = archive && {
    // Whole UTC days, so a day is a few objects in the archive, not one per run.
    moved: await archiveAuditEntries(
      db,
      archive,
      startOfUtcDay(started.getTime() - config.auditArchiveAfterDays * DAY),
    ),
    objects_deleted: await deleteArchivedBefore(archive, started.getTime() - config.auditRetentionDays * DAY),
  };
  log.info('scheduled jobs', {
    started: started.toISOString(),
    emails_tried: retried,
    seat_syncs_tried: seatsTried,
    deleted,
    audit_archive: auditArchive,
  });
}
