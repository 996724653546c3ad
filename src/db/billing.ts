// Queries for billing: Stripe customers on users, subscriptions, and the Stripe event ledger.
import { and, desc, eq, fillPlaceholders, isNull, notInArray, sql } from 'drizzle-orm';
import { rowsOf, runBatch, sqlStatement, statementFrom, type Database, type Statement } from './client';
import { apiKeys, stripeEvents, subscriptions, users, type Subscription } from './schema';
import { liveSessionQuery } from './sessions';
import { userFromRow, type UserRow } from './users';

/** Statuses in which the user is (still) subscribed: a new checkout would double-charge them. */
export const LIVE_SUBSCRIPTION_STATUSES = ['active', 'trialing', 'past_due', 'unpaid'] as const;

/** Sets the user's Stripe customer id unless they already have one: the first one stored wins. */
function fillStripeCustomerIdQuery(db: Database, userId: string, customerId: string) {
  return db
    .update(users)
    .set({ stripeCustomerId: customerId })
    .where(and(eq(users.id, userId), isNull(users.stripeCustomerId)));
}

/** Batchable form of the above, for the webhook's batch. */
export function fillStripeCustomerIdStatement(db: Database, userId: string, customerId: string): Statement {
  return statementFrom(db, fillStripeCustomerIdQuery(db, userId, customerId));
}

/** Stores the customer id unless the user already has one; returns the one that is stored. */
export async function storeStripeCustomerId(db: Database, userId: string, customerId: string): Promise<string | null> {
  const [, stored] = await db.batch([
    fillStripeCustomerIdQuery(db, userId, customerId),
    db.select({ customerId: users.stripeCustomerId }).from(users).where(eq(users.id, userId)),
  ]);
  return stored[0]?.customerId ?? null;
}

/** A user a Stripe event is about, as the webhook reads it. */
export interface StripeEventUser {
  id: string;
  email: string;
  name: string | null;
  stripe_customer_id: string | null;
}

/**
 * Batchable: the user an event is about, by our user id (metadata, client_reference_id) or, failing
 * that, by Stripe customer id; rows are `StripeEventUser`.
 */
export function findStripeEventUserStatement(
  db: Database,
  userId: string | null,
  customerId: string | null,
): Statement {
  return sqlStatement(
    db,
    'SELECT id, email, name, stripe_customer_id FROM users WHERE id = ?1 OR (?2 IS NOT NULL AND stripe_customer_id = ?2) ORDER BY id = ?1 DESC LIMIT 1',
    userId ?? '',
    customerId,
  );
}

/** Batchable: the `created` time of the newest event applied to a subscription (rows: `{ created }`). */
export function storedEventTimeStatement(db: Database, subscriptionId: string): Statement {
  return sqlStatement(db, 'SELECT last_event_created AS created FROM subscriptions WHERE id = ?', subscriptionId);
}

/** The subscription that describes the user now: one that grants access, else a live one, else the latest. */
export function currentSubscriptionQuery(db: Database, userId: string) {
  const rank = sql`CASE WHEN ${subscriptions.status} IN ('active', 'trialing') THEN 2
                        WHEN ${subscriptions.status} IN ('past_due', 'unpaid') THEN 1 ELSE 0 END`;
  return db
    .select()
    .from(subscriptions)
    .where(eq(subscriptions.userId, userId))
    .orderBy(desc(rank), desc(subscriptions.lastEventCreated), desc(subscriptions.updatedAt))
    .limit(1);
}

export async function findCurrentSubscription(db: Database, userId: string): Promise<Subscription | null> {
  return (await currentSubscriptionQuery(db, userId))[0] ?? null;
}

export async function listCancellableSubscriptionIds(db: Database, userId: string): Promise<string[]> {
  const rows = await db
    .select({ id: subscriptions.id })
    .from(subscriptions)
    .where(and(eq(subscriptions.userId, userId), notInArray(subscriptions.status, ['canceled', 'incomplete_expired'])))
    .all();
  return rows.map((row) => row.id);
}

/** Batchable: the ledger row. Its primary key is what makes a redelivered event's batch fail whole. */
export function insertStripeEventStatement(
  db: Database,
  event: { id: string; type: string; created: number; outcome: string; now: Date },
): Statement {
  return statementFrom(
    db,
    db.insert(stripeEvents).values({
      id: event.id,
      type: event.type,
      eventCreated: event.created,
      outcome: event.outcome,
      receivedAt: event.now,
    }),
  );
}

export interface SubscriptionSnapshot {
  id: string;
  userId: string;
  customerId: string;
  status: string;
  priceId: string | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
}

/** Batchable: writes the snapshot unless the stored state comes from a newer event. */
export function upsertSubscriptionStatement(
  db: Database,
  snapshot: SubscriptionSnapshot,
  eventCreated: number,
  now: Date,
): Statement {
  return sqlStatement(
    db,
    `INSERT INTO subscriptions (id, user_id, customer_id, status, price_id, current_period_end, cancel_at_period_end,
                                last_event_created, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
     ON CONFLICT (id) DO UPDATE SET
       status = excluded.status, price_id = excluded.price_id, current_period_end = excluded.current_period_end,
       cancel_at_period_end = excluded.cancel_at_period_end, last_event_created = excluded.last_event_created,
       updated_at = excluded.updated_at
     WHERE excluded.last_event_created >= subscriptions.last_event_created`,
    snapshot.id,
    snapshot.userId,
    snapshot.customerId,
    snapshot.status,
    snapshot.priceId,
    snapshot.currentPeriodEnd?.getTime() ?? null,
    snapshot.cancelAtPeriodEnd ? 1 : 0,
    eventCreated,
    now.getTime(),
  );
}

/** Batchable: moves a subscription to `status` (from one of `from`) unless a newer event was stored. */
export function setSubscriptionStatusStatement(
  db: Database,
  input: { id: string; status: string; from: readonly string[]; eventCreated: number; now: Date },
): Statement {
  const placeholders = input.from.map(() => '?').join(', ');
  return sqlStatement(
    db,
    `UPDATE subscriptions SET status = ?, last_event_created = ?, updated_at = ?
     WHERE id = ? AND last_event_created <= ? AND status IN (${placeholders})`,
    input.status,
    input.eventCreated,
    input.now.getTime(),
    input.id,
    input.eventCreated,
    ...input.from,
  );
}

interface SubscriptionRow {
  id: string;
  user_id: string;
  customer_id: string;
  status: string;
  price_id: string | null;
  current_period_end: number | null;
  cancel_at_period_end: number;
  last_event_created: number;
  updated_at: number;
}

function subscriptionFromRow(row: SubscriptionRow): Subscription {
  return {
    id: row.id,
    userId: row.user_id,
    customerId: row.customer_id,
    status: row.status,
    priceId: row.price_id,
    currentPeriodEnd: row.current_period_end === null ? null : new Date(row.current_period_end),
    cancelAtPeriodEnd: row.cancel_at_period_end === 1,
    lastEventCreated: row.last_event_created,
    updatedAt: new Date(row.updated_at),
  };
}

/** The user and their current subscription, from the rows of the account reads (findAccountWithSession, keyOwnerAccountStatements). */
export function accountFromRows(userRows: D1Result | undefined, subscriptionRows: D1Result | undefined) {
  const user = rowsOf<UserRow>(userRows)[0];
  const subscription = rowsOf<SubscriptionRow>(subscriptionRows)[0];
  return {
    user: user ? userFromRow(user) : null,
    subscription: subscription ? subscriptionFromRow(subscription) : null,
  };
}

let keyOwnerAccountQueries: BuiltQuery[] | undefined;

/**
 * Batchable, after an API key's check (src/db/api-keys.ts, useApiKey): the user who owns the key with
 * this hash and their current subscription, the same two reads as GET /api/me's, so a user's key
 * reads the account in the key's own round trip. No rows for an organization's key.
 */
export function keyOwnerAccountStatements(db: Database, keyHash: string): Statement[] {
  const owner = sql`(SELECT ${apiKeys.userId} FROM ${apiKeys} WHERE ${apiKeys.keyHash} = ${sql.placeholder('keyHash')})`;
  keyOwnerAccountQueries ??= [
    db
      .select()
      .from(users)
      .where(eq(users.id, owner as unknown as string))
      .limit(1),
    currentSubscriptionQuery(db, owner as unknown as string),
  ].map((query) => query.toSQL());
  return keyOwnerAccountQueries.map((query) =>
    sqlStatement(db, query.sql, ...fillPlaceholders(query.params, { keyHash })),
  );
}

type BuiltQuery = { sql: string; params: unknown[] };

// The account read's three queries, built by drizzle once per isolate with placeholders (derived,
// immutable SQL text): building them was half of GET /api/me's time in a CPU profile
// (`npm run profile -- me`), and they run on every bearer route that reads the account.
let accountReadQueries: BuiltQuery[] | undefined;

function accountReadStatements(db: Database, input: { userId: string; sessionId: string; now: Date }): Statement[] {
  accountReadQueries ??= [
    db
      .select()
      .from(users)
      .where(eq(users.id, sql.placeholder('userId')))
      .limit(1),
    currentSubscriptionQuery(db, sql.placeholder('userId') as unknown as string),
    liveSessionQuery(db, {
      userId: sql.placeholder('userId') as unknown as string,
      sessionId: sql.placeholder('sessionId') as unknown as string,
      now: sql.placeholder('now') as unknown as Date,
    }),
  ].map((query) => query.toSQL());
  // toSQL() leaves placeholders bare (no column encoder), so values go in as D1 stores them.
  const values = { userId: input.userId, sessionId: input.sessionId, now: input.now.getTime() };
  return accountReadQueries.map((query) => sqlStatement(db, query.sql, ...fillPlaceholders(query.params, values)));
}

/**
 * The user, their current subscription, and whether the caller's session is live (not revoked or
 * expired, user enabled), in one round trip: GET /api/me, the billing routes, the paid-feature guard.
 */
export async function findAccountWithSession(db: Database, input: { userId: string; sessionId: string; now: Date }) {
  const [userRows, subscriptionRows, liveRows] = await runBatch(db, accountReadStatements(db, input));
  return { ...accountFromRows(userRows, subscriptionRows), sessionLive: rowsOf(liveRows).length > 0 };
}
