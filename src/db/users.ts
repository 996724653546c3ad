// Queries on users.
import { eq } from 'drizzle-orm';
import {
  ALWAYS,
  isUniqueViolation,
  sqlStatement,
  statementFrom,
  type Condition,
  type Database,
  type Statement,
} from './client';
import { users, type User } from './schema';

export interface UserRow {
  id: string;
  email: string;
  name: string | null;
  password_hash: string | null;
  role: 'user' | 'admin';
  email_verified_at: number | null;
  disabled_at: number | null;
  created_at: number;
  updated_at: number;
  stripe_customer_id: string | null;
  password_vouched: number;
}

const toDate = (ms: number | null) => (ms === null ? null : new Date(ms));

/** Maps a row read by hand-written SQL to the same shape drizzle returns. */
export function userFromRow(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    role: row.role,
    emailVerifiedAt: toDate(row.email_verified_at),
    disabledAt: toDate(row.disabled_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    stripeCustomerId: row.stripe_customer_id,
    passwordVouched: row.password_vouched === 1,
  };
}

/** Batchable form of findUserByEmail; read its rows as UserRow. */
export function selectUserByEmailStatement(db: Database, email: string): Statement {
  return sqlStatement(db, 'SELECT * FROM users WHERE email = ? LIMIT 1', email);
}

export async function findUserByEmail(db: Database, email: string): Promise<User | null> {
  return (await db.select().from(users).where(eq(users.email, email)).get()) ?? null;
}

export async function findUserById(db: Database, id: string): Promise<User | null> {
  return (await db.select().from(users).where(eq(users.id, id)).get()) ?? null;
}

/** Batchable: fails with a UNIQUE constraint error when the email is taken. */
export function insertUserStatement(db: Database, user: typeof users.$inferInsert): Statement {
  return statementFrom(db, db.insert(users).values(user));
}

/** Batchable: sets the password hash; `vouched` when whoever set it proved the address (a reset link). */
export function updatePasswordHashStatement(
  db: Database,
  input: { userId: string; passwordHash: string; now: Date; vouched?: true; when?: Condition },
): Statement {
  const when = input.when ?? ALWAYS;
  return sqlStatement(
    db,
    `UPDATE users SET password_hash = ?, password_vouched = max(password_vouched, ?), updated_at = ? WHERE id = ? AND ${when.sql}`,
    input.passwordHash,
    input.vouched ? 1 : 0,
    input.now.getTime(),
    input.userId,
    ...when.params,
  );
}

/** Batchable: marks `email` verified for the user if it is still their address. */
export function markEmailVerifiedStatement(
  db: Database,
  input: { userId: string; email: string; now: Date; when?: Condition },
): Statement {
  const when = input.when ?? ALWAYS;
  return sqlStatement(
    db,
    `UPDATE users SET email_verified_at = COALESCE(email_verified_at, ?), updated_at = ?
     WHERE id = ? AND email = ? AND ${when.sql}`,
    input.now.getTime(),
    input.now.getTime(),
    input.userId,
    input.email,
    ...when.params,
  );
}

/**
 * True while the user is enabled and their password hash is exactly `passwordHash` (hashes are
 * salted, so no other change produces the same one): "the password just checked still holds", or
 * "the new password this batch wrote is in place".
 */
export function hasPasswordHashCondition(userId: string, passwordHash: string): Condition {
  return {
    sql: 'EXISTS (SELECT 1 FROM users WHERE id = ? AND password_hash = ? AND disabled_at IS NULL)',
    params: [userId, passwordHash],
  };
}

/** True while the user exists and is enabled. */
export function userEnabledCondition(userId: string): Condition {
  return { sql: 'EXISTS (SELECT 1 FROM users WHERE id = ? AND disabled_at IS NULL)', params: [userId] };
}

/**
 * True while ADMIN_EMAILS may promote the user: still at `email`, verified, enabled, a plain user,
 * and no admin has pinned a role for the address (role_pins). The audit entry and the promotion both
 * take this condition, in that order in one batch, so exactly one of several concurrent sign-ins
 * records the change.
 */
export function promotableCondition(userId: string, email: string): Condition {
  return {
    sql: `EXISTS (SELECT 1 FROM users WHERE id = ? AND email = ? AND role = 'user' AND email_verified_at IS NOT NULL
                  AND disabled_at IS NULL AND NOT EXISTS (SELECT 1 FROM role_pins WHERE role_pins.email = users.email))`,
    params: [userId, email],
  };
}

/** Batchable: the user's role as the batch left it (rows are `{role}`). */
export function selectRoleStatement(db: Database, userId: string): Statement {
  return sqlStatement(db, 'SELECT role FROM users WHERE id = ?', userId);
}

/** Batchable: makes the user an admin when `when` holds (ADMIN_EMAILS; the role stays unpinned). */
export function promoteToAdminStatement(
  db: Database,
  input: { userId: string; now: Date; when: Condition },
): Statement {
  return sqlStatement(
    db,
    `UPDATE users SET role = 'admin', updated_at = ? WHERE id = ? AND ${input.when.sql}`,
    input.now.getTime(),
    input.userId,
    ...input.when.params,
  );
}

/** Batchable: the user's current row (read back at the end of a batch). */
export function selectUserByIdStatement(db: Database, id: string): Statement {
  return sqlStatement(db, 'SELECT * FROM users WHERE id = ?', id);
}

/** Batchable: deletes the user; sessions, tokens, links and queued emails go with it (ON DELETE CASCADE). */
export function deleteUserStatement(db: Database, userId: string, when: Condition = ALWAYS): Statement {
  return sqlStatement(db, `DELETE FROM users WHERE id = ? AND ${when.sql}`, userId, ...when.params);
}

export async function updateUserName(
  db: Database,
  userId: string,
  name: string | null,
  now: Date,
): Promise<User | null> {
  return (await db.update(users).set({ name, updatedAt: now }).where(eq(users.id, userId)).returning().get()) ?? null;
}

export const isUniqueEmailViolation = (err: unknown) => isUniqueViolation(err, 'users.email');
