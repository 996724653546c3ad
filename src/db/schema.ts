// The database's tables, in drizzle's schema language; `npm run db:generate` turns changes into migrations/.
import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Times are stored as integer milliseconds since the epoch and shown as ISO-8601 UTC in JSON. */
const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' });

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  /** Trimmed and lower-cased before it is stored, so the unique index is case-insensitive. */
  email: text('email').notNull().unique(),
  name: text('name'),
  /** Null for accounts that only sign in with OAuth. */
  passwordHash: text('password_hash'),
  role: text('role', { enum: ['user', 'admin'] })
    .notNull()
    .default('user'),
  emailVerifiedAt: timestamp('email_verified_at'),
  disabledAt: timestamp('disabled_at'),
  createdAt: timestamp('created_at')
    .notNull()
    .default(sql`(cast(unixepoch('subsec') * 1000 as integer))`),
  updatedAt: timestamp('updated_at')
    .notNull()
    .default(sql`(cast(unixepoch('subsec') * 1000 as integer))`),
});

export type User = typeof users.$inferSelect;
