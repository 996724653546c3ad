// The admin area's actions: every change is one batch with its audit entry naming the acting admin.
import type { AccessTokenClaims } from '../auth/access-tokens';
import { voidAccountTokensStatement } from '../db/account-tokens';
import {
  disableCondition,
  disableUserStatement,
  enableCondition,
  enableUserStatement,
  findAdminUserDetail,
  readStats,
  searchAuditLog,
  pinRoleStatement,
  roleChangeCondition,
  searchUsers,
  setRoleStatement,
  userDisabledCondition,
  type AdminUserDetail,
  type AdminUserRow,
  type AuditRow,
} from '../db/admin';
import { auditStatement } from '../db/audit-log';
import { ALWAYS, runBatch, type Condition } from '../db/client';
import { revokeUserSessionsStatement } from '../db/sessions';
import type { ProviderName } from '../auth/oauth/identity';
import type { SubscriptionStatus } from '../billing/subscription';
import { readNearby, type Deps } from '../deps';
import { AppError, notFound } from '../errors';
import { encodeCursor, positionFrom } from '../lib/cursor';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toAdminUserView(row: AdminUserRow) {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    email_verified: row.email_verified_at !== null,
    disabled: row.disabled_at !== null,
    disabled_at: iso(row.disabled_at),
    has_password: row.has_password === 1,
    has_second_factor: row.has_second_factor === 1,
    created_at: new Date(row.created_at).toISOString(),
  };
}

/** Fetches one more row than the page holds, to know whether there is a next page. */
function page<T extends { created_at: number; id: string }>(rows: T[], limit: number) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null,
  };
}

export async function listUsers(deps: Deps, input: { query?: string; cursor?: string; limit: number }) {
  const rows = await searchUsers(deps.replica, {
    query: input.query ?? null,
    cursor: positionFrom(input.cursor),
    limit: input.limit + 1,
  });
  const { items, nextCursor } = page(rows, input.limit);
  return { users: items.map(toAdminUserView), next_cursor: nextCursor };
}

export async function getUserDetail(deps: Deps, userId: string) {
  const detail = await readNearby(deps, (db) => findAdminUserDetail(db, userId, deps.now));
  if (!detail) throw notFound('No such user.');
  return toUserDetailView(detail);
}

function toUserDetailView(detail: AdminUserDetail) {
  return {
    user: toAdminUserView(detail.user),
    sessions: detail.sessions.map((s) => ({
      id: s.id,
      auth_method: s.auth_method,
      user_agent: s.user_agent,
      ip_address: s.ip_address,
      created_at: new Date(s.created_at).toISOString(),
      last_used_at: new Date(s.last_used_at).toISOString(),
    })),
    linked_accounts: detail.accounts.map((a) => ({
      provider: a.provider as ProviderName, // the column's CHECKed values (schema.ts)
      email: a.email,
      created_at: new Date(a.created_at).toISOString(),
      last_login_at: new Date(a.last_login_at).toISOString(),
    })),
    subscription: detail.subscription
      ? {
          status: detail.subscription.status as SubscriptionStatus,
          price_id: detail.subscription.price_id,
          current_period_end: iso(detail.subscription.current_period_end),
          cancel_at_period_end: detail.subscription.cancel_at_period_end === 1,
        }
      : { status: 'none' as const },
    organizations: detail.organizations.map((o) => ({ id: o.id, name: o.name, slug: o.slug, role: o.role })),
  };
}

const lastAdmin = () => new AppError('LAST_ADMIN');

/**
 * Runs an admin change as one batch: its audit entry first, under `when` (the change would take
 * effect: see db/admin.ts), then the change. Answers the user as the batch left them.
 */
async function change(
  deps: Deps,
  admin: AccessTokenClaims,
  userId: string,
  input: { action: string; statements: D1PreparedStatement[]; when?: Condition; metadata?: Record<string, unknown> },
) {
  if (!(await findAdminUserDetail(deps.db, userId, deps.now))) throw notFound('No such user.');
  const audit = auditStatement(
    deps,
    { action: input.action, userId, actorId: admin.userId, metadata: input.metadata },
    input.when,
  );
  await runBatch(deps.db, [audit, ...input.statements]);
  // Read back from the primary: whether the change took effect (LAST_ADMIN) rests on this read.
  const after = await findAdminUserDetail(deps.db, userId, deps.now);
  if (!after) throw notFound('No such user.');
  return toUserDetailView(after);
}

export async function changeRole(deps: Deps, admin: AccessTokenClaims, userId: string, role: 'user' | 'admin') {
  const after = await change(deps, admin, userId, {
    action: 'admin.role_changed',
    statements: [
      setRoleStatement(deps.db, { userId, role, now: deps.now }),
      pinRoleStatement(deps.db, { userId, role, now: deps.now }),
    ],
    when: roleChangeCondition(userId, role),
    metadata: { role, by: 'admin' },
  });
  if (after.user.role !== role) throw lastAdmin();
  return after;
}

/**
 * Disabling revokes every session (refresh fails at once, login answers 403 ACCOUNT_DISABLED) and
 * voids the reset links already mailed, so enabling the account again does not revive them.
 */
export async function disableUser(deps: Deps, admin: AccessTokenClaims, userId: string) {
  const disabled = userDisabledCondition(userId);
  const after = await change(deps, admin, userId, {
    action: 'admin.user_disabled',
    statements: [
      disableUserStatement(deps.db, { userId, now: deps.now }),
      revokeUserSessionsStatement(deps.db, { userId, now: deps.now, reason: 'disabled_by_admin', when: disabled }),
      voidAccountTokensStatement(deps.db, { userId, purpose: 'reset_password', now: deps.now, when: disabled }),
    ],
    when: disableCondition(userId),
  });
  if (!after.user.disabled) throw lastAdmin();
  return after;
}

export async function enableUser(deps: Deps, admin: AccessTokenClaims, userId: string) {
  return change(deps, admin, userId, {
    action: 'admin.user_enabled',
    statements: [enableUserStatement(deps.db, { userId, now: deps.now })],
    when: enableCondition(userId),
  });
}

export async function revokeSessionsOf(deps: Deps, admin: AccessTokenClaims, userId: string) {
  return change(deps, admin, userId, {
    action: 'admin.sessions_revoked',
    statements: [revokeUserSessionsStatement(deps.db, { userId, now: deps.now, reason: 'revoked_by_admin' })],
  });
}

export const getStats = (deps: Deps) => readStats(deps.replica, deps.now);

export function toAuditView(row: AuditRow) {
  let metadata: unknown = null;
  try {
    metadata = row.metadata ? JSON.parse(row.metadata) : null;
  } catch {
    metadata = row.metadata;
  }
  return {
    id: row.id,
    user_id: row.user_id,
    actor_id: row.actor_id,
    action: row.action,
    ip_address: row.ip_address,
    user_agent: row.user_agent,
    metadata,
    created_at: new Date(row.created_at).toISOString(),
  };
}

/**
 * Removes the user's second factors (authenticator app, recovery codes) and pending second steps:
 * for a user who lost them. Their password (or provider) alone signs them in again; the user is
 * emailed. Audited as admin.second_factor_reset.
 */
export async function resetSecondFactor(deps: Deps, admin: AccessTokenClaims, userId: string) {
  const user = await findAdminUserDetail(deps.db, userId, deps.now);
  if (!user) throw notFound('No such user.');
  // Through the second-factors feature's entry, so the build keeps its code in that one lazily loaded part.
  const secondFactors = await import('../mfa/feature');
  const notice = secondFactors.secondFactorNotice(
    deps,
    { id: userId, email: user.user.email },
    'reset_by_admin',
    ALWAYS,
  );
  const after = await change(deps, admin, userId, {
    action: 'admin.second_factor_reset',
    statements: [...secondFactors.deleteSecondFactorsStatements(deps.db, userId), notice.statement],
  });
  return { detail: after, outboxIds: [notice.id] };
}

export async function listAudit(
  deps: Deps,
  input: { user_id?: string; action?: string; from?: string; to?: string; cursor?: string; limit: number },
) {
  const rows = await searchAuditLog(deps.replica, {
    userId: input.user_id ?? null,
    action: input.action ?? null,
    from: input.from ? Date.parse(input.from) : null,
    to: input.to ? Date.parse(input.to) : null,
    cursor: positionFrom(input.cursor),
    limit: input.limit + 1,
  });
  const { items, nextCursor } = page(rows, input.limit);
  return { entries: items.map(toAuditView), next_cursor: nextCursor };
}
