// Queries on users.
import { eq } from 'drizzle-orm';
import { sqlStatement, statementFrom, type Database, type Statement } from './client';
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

export function updatePasswordHashStatement(db: Database, userId: string, passwordHash: string, now: Date): Statement {
  return statementFrom(db, db.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, userId)));
}

export async function updateUserName(db: Database, userId: string, name: string | null, now: Date): Promise<User | null> {
  return (await db.update(users).set({ name, updatedAt: now }).where(eq(users.id, userId)).returning().get()) ?? null;
}

/** D1 reports unique violations only through the message text. */
export function isUniqueEmailViolation(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e.message.includes('UNIQUE constraint failed: users.email')) return true;
  }
  return false;
}
