// Queries behind the admin area: user search, one user's details, role and status changes, stats, the audit log
// (organizations: db/admin-orgs.ts).
import { hasSecondFactorSql } from './second-factor-methods';
import type { Stats } from './admin-stats';
import { currentSubscriptionQuery } from './billing';
import { rowsOf, runBatch, sqlStatement, statementFrom, type Condition, type Database, type Statement } from './client';
import type { OrgRole } from './schema';

export interface AdminUserRow {
  id: string;
  email: string;
  name: string | null;
  role: 'user' | 'admin';
  email_verified_at: number | null;
  disabled_at: number | null;
  created_at: number;
  has_password: number;
  has_second_factor: number;
}

export interface PageCursor {
  createdAt: number;
  id: string;
}

const USER_COLUMNS = `id, email, name, role, email_verified_at, disabled_at, created_at,
  password_hash IS NOT NULL AS has_password, ${hasSecondFactorSql('users.id')} AS has_second_factor`;

/** Conditions accumulated for a WHERE clause, with their parameters in order. */
export class Where {
  readonly conditions: string[] = [];
  readonly params: unknown[] = [];
  add(condition: string, ...params: unknown[]): void {
    this.conditions.push(condition);
    this.params.push(...params);
  }
  /** Keyset pagination on (created_at, id), newest first: the rows after the cursor's position. */
  after(cursor: PageCursor | null): void {
    if (cursor)
      this.add('(created_at < ? OR (created_at = ? AND id < ?))', cursor.createdAt, cursor.createdAt, cursor.id);
  }
  toString(): string {
    return this.conditions.length ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }
}

/** Newest first; `query` matches email or name; keyset pagination on (created_at, id). */
export async function searchUsers(
  db: Database,
  input: { query: string | null; cursor: PageCursor | null; limit: number },
): Promise<AdminUserRow[]> {
  const where = new Where();
  // instr, not LIKE: D1 refuses LIKE patterns over 50 bytes, and the text is taken literally.
  // lower() folds ASCII only, as LIKE's case-insensitivity does.
  if (input.query)
    where.add('(instr(lower(email), lower(?)) > 0 OR instr(lower(name), lower(?)) > 0)', input.query, input.query);
  where.after(input.cursor);
  const result = await sqlStatement(
    db,
    `SELECT ${USER_COLUMNS} FROM users ${where} ORDER BY created_at DESC, id DESC LIMIT ?`,
    ...where.params,
    input.limit,
  ).all<AdminUserRow>();
  return result.results;
}

export interface AdminUserDetail {
  user: AdminUserRow;
  sessions: {
    id: string;
    auth_method: string;
    user_agent: string | null;
    ip_address: string | null;
    created_at: number;
    last_used_at: number;
  }[];
  accounts: { provider: string; email: string | null; created_at: number; last_login_at: number }[];
  subscription: {
    status: string;
    price_id: string | null;
    current_period_end: number | null;
    cancel_at_period_end: number;
  } | null;
  organizations: { id: string; name: string; slug: string; role: OrgRole }[];
}

/** One user with their live sessions, linked providers, current subscription and organizations, in one batch. */
export async function findAdminUserDetail(db: Database, userId: string, now: Date): Promise<AdminUserDetail | null> {
  const [users, sessions, accounts, subscriptions, organizations] = await runBatch(db, [
    sqlStatement(db, `SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, userId),
    sqlStatement(
      db,
      `SELECT id, auth_method, user_agent, ip_address, created_at, last_used_at FROM sessions
       WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY last_used_at DESC`,
      userId,
      now.getTime(),
    ),
    sqlStatement(
      db,
      'SELECT provider, email, created_at, last_login_at FROM oauth_accounts WHERE user_id = ? ORDER BY created_at',
      userId,
    ),
    // The same choice of "current" subscription as /api/me and the paid-feature guard.
    statementFrom(db, currentSubscriptionQuery(db, userId)),
    // At most 100 (the cap on an account's organizations).
    sqlStatement(
      db,
      `SELECT o.id, o.name, o.slug, m.role FROM memberships m JOIN organizations o ON o.id = m.organization_id
       WHERE m.user_id = ? ORDER BY o.name, o.id`,
      userId,
    ),
  ]);
  const user = rowsOf<AdminUserRow>(users)[0];
  if (!user) return null;
  return {
    user,
    sessions: rowsOf(sessions),
    accounts: rowsOf(accounts),
    subscription: rowsOf<AdminUserDetail['subscription'] & object>(subscriptions)[0] ?? null,
    organizations: rowsOf(organizations),
  };
}

/** True while another enabled admin would remain if `userId` stopped being one. */
const notLastAdmin = `(role != 'admin' OR (SELECT count(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL AND id != ?) > 0)`;

const userWhere = (userId: string, sql: string, ...params: unknown[]): Condition => ({
  sql: `EXISTS (SELECT 1 FROM users WHERE id = ? AND ${sql})`,
  params: [userId, ...params],
});

/*
 * Each change has a condition: "the change would take effect now". The admin area writes its audit
 * entry first under that condition, then the change under the same one, in one batch: a repeat, a
 * no-op, or the losers of concurrent requests record nothing.
 */

/** The role would change, and not leave the last enabled admin demoted. */
export const roleChangeCondition = (userId: string, role: 'user' | 'admin'): Condition =>
  userWhere(userId, `role != ? AND (? = 'admin' OR ${notLastAdmin})`, role, role, userId);

/** The user is enabled, and not the last enabled admin. */
export const disableCondition = (userId: string): Condition =>
  userWhere(userId, `disabled_at IS NULL AND ${notLastAdmin}`, userId);

export const enableCondition = (userId: string): Condition => userWhere(userId, 'disabled_at IS NOT NULL');

/** True once the user is disabled (gates what a disable does besides the flag). */
export const userDisabledCondition = (userId: string): Condition => userWhere(userId, 'disabled_at IS NOT NULL');

/** Batchable: sets the role when roleChangeCondition holds. */
export function setRoleStatement(
  db: Database,
  input: { userId: string; role: 'user' | 'admin'; now: Date },
): Statement {
  const when = roleChangeCondition(input.userId, input.role);
  return sqlStatement(
    db,
    `UPDATE users SET role = ?, updated_at = ? WHERE id = ? AND ${when.sql}`,
    input.role,
    input.now.getTime(),
    input.userId,
    ...when.params,
  );
}

/**
 * Batchable, after setRoleStatement: pins the role for the user's address if the user now has it
 * (also when it did not change: the admin chose it), so ADMIN_EMAILS never changes a role an admin
 * chose, not even for a new account at that address.
 */
export function pinRoleStatement(
  db: Database,
  input: { userId: string; role: 'user' | 'admin'; now: Date },
): Statement {
  return sqlStatement(
    db,
    `INSERT INTO role_pins (email, role, pinned_at) SELECT email, role, ? FROM users WHERE id = ? AND role = ?
     ON CONFLICT (email) DO UPDATE SET role = excluded.role, pinned_at = excluded.pinned_at`,
    input.now.getTime(),
    input.userId,
    input.role,
  );
}

/** Batchable: disables the user when disableCondition holds. */
export function disableUserStatement(db: Database, input: { userId: string; now: Date }): Statement {
  const when = disableCondition(input.userId);
  return sqlStatement(
    db,
    `UPDATE users SET disabled_at = ?, updated_at = ? WHERE id = ? AND ${when.sql}`,
    input.now.getTime(),
    input.now.getTime(),
    input.userId,
    ...when.params,
  );
}

export function enableUserStatement(db: Database, input: { userId: string; now: Date }): Statement {
  const when = enableCondition(input.userId);
  return sqlStatement(
    db,
    `UPDATE users SET disabled_at = NULL, updated_at = ? WHERE id = ? AND ${when.sql}`,
    input.now.getTime(),
    input.userId,
    ...when.params,
  );
}

export type { Stats };

export async function readStats(db: Database, now: Date): Promise<Stats> {
  const day = 86_400_000;
  const [counts, byPrice, failures] = await runBatch(db, [
    sqlStatement(
      db,
      `SELECT count(*) AS users,
              count(email_verified_at) AS verified,
              count(disabled_at) AS disabled,
              sum(role = 'admin') AS admins,
              sum(created_at >= ?1) AS signups_7d,
              sum(created_at >= ?2) AS signups_30d
       FROM users`,
      now.getTime() - 7 * day,
      now.getTime() - 30 * day,
    ),
    sqlStatement(
      db,
      `SELECT price_id, count(*) AS count FROM subscriptions WHERE status IN ('active', 'trialing')
       GROUP BY price_id ORDER BY count DESC`,
    ),
    sqlStatement(
      db,
      `SELECT (SELECT count(*) FROM stripe_events WHERE type = 'invoice.payment_failed' AND outcome IN ('applied', 'stale')
                 AND received_at >= ?) AS failed_payments_30d,
              (SELECT count(*) FROM subscriptions WHERE status IN ('past_due', 'unpaid')) AS past_due_subscriptions`,
      now.getTime() - 30 * day,
    ),
  ]);
  const c = rowsOf<Record<string, number | null>>(counts)[0] ?? {};
  const f = rowsOf<Record<string, number>>(failures)[0] ?? {};
  return {
    users: c.users ?? 0,
    verified: c.verified ?? 0,
    disabled: c.disabled ?? 0,
    admins: c.admins ?? 0,
    signups_7d: c.signups_7d ?? 0,
    signups_30d: c.signups_30d ?? 0,
    active_subscriptions_by_price: rowsOf<{ price_id: string | null; count: number }>(byPrice),
    failed_payments_30d: f.failed_payments_30d ?? 0,
    past_due_subscriptions: f.past_due_subscriptions ?? 0,
  };
}

export interface AuditRow {
  id: string;
  user_id: string | null;
  actor_id: string | null;
  action: string;
  ip_address: string | null;
  user_agent: string | null;
  metadata: string | null;
  created_at: number;
}

/** Newest first, filtered by user, action (exact, or a prefix ending in `*`) and time range. */
export async function searchAuditLog(
  db: Database,
  input: {
    userId: string | null;
    action: string | null;
    from: number | null;
    to: number | null;
    cursor: PageCursor | null;
    limit: number;
  },
): Promise<AuditRow[]> {
  const where = new Where();
  if (input.userId) where.add('(user_id = ? OR actor_id = ?)', input.userId, input.userId);
  // A prefix as a range (every string that starts with it sorts between the two bounds), which
  // uses the (action, created_at) index and has none of LIKE's pattern limits.
  if (input.action?.endsWith('*')) {
    const prefix = input.action.slice(0, -1);
    where.add('action >= ? AND action < ?', prefix, `${prefix}\u{10ffff}`);
  } else if (input.action) where.add('action = ?', input.action);
  if (input.from !== null) where.add('created_at >= ?', input.from);
  if (input.to !== null) where.add('created_at < ?', input.to);
  where.after(input.cursor);
  const result = await sqlStatement(
    db,
    `SELECT * FROM audit_log ${where} ORDER BY created_at DESC, id DESC LIMIT ?`,
    ...where.params,
    input.limit,
  ).all<AuditRow>();
  return result.results;
}
