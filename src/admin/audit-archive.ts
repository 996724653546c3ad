// The audit archive. With an R2 bucket bound as AUDIT_ARCHIVE, the cron job moves audit entries older
// than AUDIT_ARCHIVE_AFTER_DAYS out of D1 into gzipped NDJSON objects (one entry per line, as
// GET /api/admin/audit shows it), keyed by UTC day: `audit/<YYYY-MM-DD>/<first entry's ms>-<its id>-<entries>.ndjson.gz`.
// D1 keeps the recent entries the admin page searches (the audit log is most of what D1 stores per
// user: see docs/scaling.md); R2 keeps the rest until AUDIT_RETENTION_DAYS, read back a day at a time.
// Nothing is lost: entries leave D1 only once the object holding them is written. A run that dies in
// between (or two runs at once) writes them again next time: under the same key when the chunk is the
// same, else under another (the key names the chunk's first entry and size), so an entry may be
// archived twice, never dropped.
import { deleteAuditEntries, selectOldestAuditEntries } from '../db/audit-log';
import type { AuditRow } from '../db/admin';
import type { Database } from '../db/client';
import { invalidCursor, notFound } from '../errors';
import type { Logger } from '../lib/log';
import { toAuditView } from './admin';

/** Entries per object, and objects per cron run: a backlog is worked off over several runs. */
export const ARCHIVE_CHUNK_ROWS = 1000;
export const ARCHIVE_MAX_CHUNKS = 10;

const PREFIX = 'audit/';
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const chunkName = (entries: AuditRow[]) =>
  `${String(entries[0]!.created_at).padStart(13, '0')}-${entries[0]!.id}-${entries.length}`;
/** A cursor is the name of the last object read: any name within the day (it is only a list position). */
const CURSOR = /^[^/]{1,150}$/;
const keyOf = (day: string, name: string) => `${PREFIX}${day}/${name}.ndjson.gz`;

async function gzip(text: string): Promise<ArrayBuffer> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}

/**
 * Moves the entries created before `cutoff` from D1 to the archive, oldest first, one object per
 * chunk of one UTC day; at most `maxChunks` objects. The count moved.
 */
export async function archiveAuditEntries(
  db: Database,
  bucket: R2Bucket,
  cutoff: number,
  options: { chunkRows?: number; maxChunks?: number } = {},
): Promise<number> {
  const { chunkRows = ARCHIVE_CHUNK_ROWS, maxChunks = ARCHIVE_MAX_CHUNKS } = options;
  let archived = 0;
  for (let chunk = 0; chunk < maxChunks; chunk++) {
    const rows = await selectOldestAuditEntries(db, cutoff, chunkRows);
    const first = rows[0];
    if (!first) break;
    // Oldest first, so the first day's entries are a prefix: the next chunk starts the next day.
    const day = dayOf(first.created_at);
    const entries = rows.filter((row) => dayOf(row.created_at) === day);
    const body = entries.map((row) => JSON.stringify(toAuditView(row))).join('\n') + '\n';
    await bucket.put(keyOf(day, chunkName(entries)), await gzip(body), {
      // Plain gzip bytes, not Content-Encoding (which R2 would undo on download): a .ndjson.gz file.
      httpMetadata: { contentType: 'application/gzip' },
      customMetadata: { entries: String(entries.length) },
    });
    archived += await deleteAuditEntries(
      db,
      entries.map((row) => row.id),
    );
    if (rows.length < chunkRows && entries.length === rows.length) break;
  }
  return archived;
}

/** Deletes the archived days before `cutoff`'s day (oldest first, at most `maxPages` listings of 1000). */
export async function deleteArchivedBefore(bucket: R2Bucket, cutoff: number, maxPages = 10): Promise<number> {
  const cutoffDay = dayOf(cutoff);
  let deleted = 0;
  for (let page = 0; page < maxPages; page++) {
    const listing = await bucket.list({ prefix: PREFIX, limit: 1000 });
    const expired = listing.objects
      .map((object) => object.key)
      .filter((key) => key.slice(PREFIX.length, PREFIX.length + 10) < cutoffDay);
    if (expired.length > 0) await bucket.delete(expired);
    deleted += expired.length;
    if (expired.length < listing.objects.length || !listing.truncated) break;
  }
  return deleted;
}

/**
 * GET /api/admin/audit/archive: one archived day's entries, oldest first, a page per archived
 * object (up to ARCHIVE_CHUNK_ROWS entries before the filters), filtered as GET /api/admin/audit is.
 */
export async function readArchivedDay(
  bucket: R2Bucket | null,
  log: Logger,
  input: { day: string; user_id?: string; action?: string; cursor?: string },
) {
  if (!bucket)
    throw notFound('No audit archive is configured: bind an R2 bucket as AUDIT_ARCHIVE (README, Audit log).');
  if (input.cursor !== undefined && !CURSOR.test(input.cursor)) throw invalidCursor();
  const dayPrefix = `${PREFIX}${input.day}/`;
  const listing = await bucket.list({
    prefix: dayPrefix,
    limit: 1,
    ...(input.cursor ? { startAfter: `${dayPrefix}${input.cursor}` } : {}),
  });
  const listed = listing.objects[0];
  if (!listed) return { entries: [], next_cursor: null };
  const entries = (await readArchivedEntries(bucket, listed.key, log)).filter((entry) => matches(entry, input));
  // The next page starts after this object, whatever it held: one bad object hides no other.
  return { entries, next_cursor: listing.truncated ? listed.key.slice(dayPrefix.length) : null };
}

type ArchivedEntry = ReturnType<typeof toAuditView>;

const isEntry = (value: unknown): value is ArchivedEntry =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ArchivedEntry).id === 'string' &&
  typeof (value as ArchivedEntry).action === 'string' &&
  typeof (value as ArchivedEntry).created_at === 'string';

/** One object's entries; what cannot be read (not gzip, a line that is not an entry) is logged and skipped. */
async function readArchivedEntries(bucket: R2Bucket, key: string, log: Logger): Promise<ArchivedEntry[]> {
  const object = await bucket.get(key);
  if (!object) return [];
  let text: string;
  try {
    text = await new Response(object.body.pipeThrough(new DecompressionStream('gzip'))).text();
  } catch {
    log.warn('audit archive object unreadable', { key });
    return [];
  }
  const entries: ArchivedEntry[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let value: unknown = null;
    try {
      value = JSON.parse(line);
    } catch {
      // Counted below with the lines that parse but are not entries.
    }
    if (isEntry(value)) entries.push(value);
    else skipped++;
  }
  if (skipped > 0) log.warn('audit archive lines skipped', { key, skipped });
  return entries;
}

function matches(
  entry: { user_id: string | null; actor_id: string | null; action: string },
  filter: { user_id?: string; action?: string },
) {
  if (filter.user_id && entry.user_id !== filter.user_id && entry.actor_id !== filter.user_id) return false;
  if (!filter.action) return true;
  return filter.action.endsWith('*')
    ? entry.action.startsWith(filter.action.slice(0, -1))
    : entry.action === filter.action;
}
