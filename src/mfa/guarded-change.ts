// What every second-factor change shares: the code checks count in the account's password-failure
// window (so codes cannot be guessed faster than passwords), and a change commits as one batch whose
// first statement, the audit entry, is written only if the factor proven is still unused; every
// later statement waits on that entry, so one code makes at most one change however many requests
// carry it.
import { auditEntryWritten, insertAuditEntryStatement, type AuditEvent } from '../db/audit-log';
import { runBatch, type Condition, type Statement } from '../db/client';
import { releaseRateLimitHitStatement } from '../db/rate-limits';
import type { Deps } from '../deps';
import { accountWindow, addressWindow, countAttempt, RATE_RULES } from '../auth/rate-limits';
import { newId } from '../lib/crypto';

/** Counts one code check for the account (429 when its window is full); the id gives it back. */
export async function reserveCodeCheck(deps: Deps, email: string): Promise<{ key: string; id: number }> {
  const failures = accountWindow(RATE_RULES.failedLoginsPerAccount, email);
  const attempt = countAttempt(
    deps.db,
    [addressWindow(RATE_RULES.loginPerAddress, deps.client.ip), failures],
    deps.now,
  );
  const reserved = attempt.settle(await runBatch(deps.db, attempt.statements));
  return { key: failures.key, id: reserved.get(failures.key)! };
}

/**
 * A change whose audit entry is written first, only if `when` holds; `done` holds once it is, and
 * gates the statements given to `commit`, in the same batch, with the reservation given back.
 */
export function guardedChange(
  deps: Deps,
  input: { event: AuditEvent; when: Condition; reservation: { id: number } | null },
) {
  const id = newId();
  const done = auditEntryWritten(id);
  return {
    done,
    /** Runs the batch; `results` are those of `statements`, in order. */
    async commit(statements: Statement[]): Promise<{ committed: boolean; results: D1Result[] }> {
      const audit = insertAuditEntryStatement(
        deps.db,
        id,
        { ipAddress: deps.client.ip, userAgent: deps.client.userAgent, ...input.event },
        deps.now,
        input.when,
      );
      const release = input.reservation ? [releaseRateLimitHitStatement(deps.db, input.reservation.id, done)] : [];
      const results = await runBatch(deps.db, [audit, ...release, ...statements]);
      return { committed: results[0]?.meta.changes === 1, results: results.slice(1 + release.length) };
    },
  };
}
