// Writes to the audit log of security events.
import { statementFrom, type Database, type Statement } from './client';
import { auditLog } from './schema';

export interface AuditEvent {
  action: string;
  userId?: string | null;
  actorId?: string | null;
  ipAddress?: string | null;
  userAgent?: string | null;
  metadata?: Record<string, unknown>;
}

/** Batchable, so the entry commits (or not) together with the change it records. */
export function insertAuditEntryStatement(db: Database, id: string, event: AuditEvent, now: Date): Statement {
  return statementFrom(db, db.insert(auditLog).values({
    id,
    action: event.action,
    userId: event.userId ?? null,
    actorId: event.actorId ?? null,
    ipAddress: event.ipAddress ?? null,
    userAgent: event.userAgent ?? null,
    metadata: event.metadata ? JSON.stringify(event.metadata) : null,
    createdAt: now,
  }));
}
