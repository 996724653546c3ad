// ADMIN_EMAILS: a verified user whose address is listed becomes admin at their next sign-in, refresh
// or proof of the address, unless an admin has pinned a role for that address (that always wins).
import type { Config } from '../config';
import { auditStatement } from '../db/audit-log';
import { allOf, ALWAYS, type Condition, type Statement } from '../db/client';
import { promotableCondition, promoteToAdminStatement } from '../db/users';
import type { Deps } from '../deps';

/** Batchable: the audit entry and the promotion, both only if the rule (and `when`) holds inside the batch. */
export function adminEmailsPromotion(
  deps: Deps,
  user: { id: string; email: string },
  when: Condition = ALWAYS,
): Statement[] {
  if (!deps.config.adminEmails.includes(user.email)) return [];
  const promotable = allOf(when, promotableCondition(user.id, user.email));
  return [
    auditStatement(
      deps,
      { action: 'admin.role_changed', userId: user.id, metadata: { role: 'admin', by: 'ADMIN_EMAILS' } },
      promotable,
    ),
    promoteToAdminStatement(deps.db, { userId: user.id, now: deps.now, when: promotable }),
  ];
}

/** Whether the rule may promote a user in this state (a pinned role is checked inside the batch). */
export function mayPromote(
  config: Config,
  user: { email: string; role: string; emailVerifiedAt: Date | number | null },
): boolean {
  return user.role === 'user' && user.emailVerifiedAt !== null && config.adminEmails.includes(user.email);
}
