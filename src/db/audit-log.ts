// The audit log of security events: writes, and the reads and deletes of the archive job.
import type { ClientInfo } from '../lib/client-info';
import { newId } from '../lib/crypto';
import type { AuditRow } from './admin';
import { ALWAYS, sqlStatement, type Condition, type Database, type Statement } from './client';

export interface AuditEvent {
  action: string;
  userId?: string | null;
  actorId?: string | null;
  ipAddress?: string | null;
  userAgent?: string | null;
  metadata?: Record<string, unknown>;
}

/**
 * Batchable, so the entry commits (or not) together with the change it records; `when` makes it
 * conditional on another statement of the same batch having taken effect.
 */
export function insertAuditEntryStatement(
  db: Database,
  id: string,
  event: AuditEvent,
  now: Date,
  when: Condition = ALWAYS,
): Statement {
  return sqlStatement(
    db,
    `INSERT INTO audit_log (id, user_id, actor_id, action, ip_address, user_agent, metadata, created_at)
     SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE ${when.sql}`,
    id,
    event.userId ?? null,
    event.actorId ?? null,
    event.action,
    event.ipAddress ?? null,
    event.userAgent ?? null,
    event.metadata ? JSON.stringify(event.metadata) : null,
    now.getTime(),
    ...when.params,
  );
}

/** True once the audit entry with this id is written: gates the rest of a batch on a conditional entry. */
export const auditEntryWritten = (id: string): Condition => ({
  sql: 'EXISTS (SELECT 1 FROM audit_log WHERE id = ?)',
  params: [id],
});

/** A batchable audit entry for a request, stamped with the caller's address and user agent. */
export function auditStatement(
  deps: { db: Database; now: Date; client: ClientInfo },
  event: AuditEvent,
  when?: Condition,
): Statement {
  return insertAuditEntryStatement(
    deps.db,
    newId(),
    { ipAddress: deps.client.ip, userAgent: deps.client.userAgent, ...event },
    deps.now,
    when,
  );
}

/** The oldest entries created before `cutoff`, oldest first (through the created_at index): the archive's next chunk. */
export async function selectOldestAuditEntries(db: Database, cutoff: number, limit: number): Promise<AuditRow[]> {
  const result = await sqlStatement(
    db,
    'SELECT * FROM audit_log WHERE created_at < ? ORDER BY created_at, id LIMIT ?',
    cutoff,
    limit,
  ).all<AuditRow>();
  return result.results;
}

/** Deletes these entries (once the archive holds them); the count deleted. */
export async function deleteAuditEntries(db: Database, ids: string[]): Promise<number> {
  const result = await sqlStatement(
    db,
    'DELETE FROM audit_log WHERE id IN (SELECT value FROM json_each(?))',
    JSON.stringify(ids),
  ).run();
  return result.meta.changes;
}
