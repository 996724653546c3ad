// Writes to the audit log of security events.
import type { ClientInfo } from '../lib/client-info';
import { newId } from '../lib/crypto';
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
