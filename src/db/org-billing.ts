// Queries for organizations' billing: their Stripe customer and subscriptions, and the seat count
// kept in step with Stripe (the desired count and version recorded with each membership change, a
// lease so one pusher talks to Stripe at a time, and the retry schedule).
import { rowsOf, runBatch, sqlStatement, type Condition, type Database, type Statement } from './client';

export interface OrganizationSubscriptionRow {
  id: string;
  organization_id: string;
  customer_id: string;
  status: string;
  price_id: string | null;
  item_id: string | null;
  quantity: number | null;
  current_period_end: number | null;
  cancel_at_period_end: number;
  last_event_created: number;
}

/** What the billing routes read: the organization's customer and seats, and its current subscription. */
export interface OrganizationBillingRow {
  stripe_customer_id: string | null;
  seats_desired: number;
  seats_version: number;
  seats_synced_version: number;
  subscription: OrganizationSubscriptionRow | null;
}

/** The subscription that describes the organization now: one that grants access, else a live one, else the latest. */
export const CURRENT_SUBSCRIPTION_ORDER = `ORDER BY CASE WHEN status IN ('active', 'trialing') THEN 2
    WHEN status IN ('past_due', 'unpaid') THEN 1 ELSE 0 END DESC, last_event_created DESC, updated_at DESC`;
const CURRENT_SUBSCRIPTION = `SELECT * FROM organization_subscriptions WHERE organization_id = ?
  ${CURRENT_SUBSCRIPTION_ORDER} LIMIT 1`;

export function selectCurrentOrganizationSubscriptionStatement(db: Database, organizationId: string): Statement {
  return sqlStatement(db, CURRENT_SUBSCRIPTION, organizationId);
}

export async function findOrganizationBilling(
  db: Database,
  organizationId: string,
): Promise<OrganizationBillingRow | null> {
  const [orgRows, subscriptionRows] = await runBatch(db, [
    sqlStatement(
      db,
      'SELECT stripe_customer_id, seats_desired, seats_version, seats_synced_version FROM organizations WHERE id = ?',
      organizationId,
    ),
    selectCurrentOrganizationSubscriptionStatement(db, organizationId),
  ]);
  const org = rowsOf<Omit<OrganizationBillingRow, 'subscription'>>(orgRows)[0];
  if (!org) return null;
  return { ...org, subscription: rowsOf<OrganizationSubscriptionRow>(subscriptionRows)[0] ?? null };
}

/** Stores the organization's customer id unless it has one; returns the one stored. */
export async function storeOrganizationCustomerId(
  db: Database,
  organizationId: string,
  customerId: string,
): Promise<string | null> {
  const [, stored] = await runBatch(db, [
    fillOrganizationCustomerIdStatement(db, organizationId, customerId),
    sqlStatement(db, 'SELECT stripe_customer_id FROM organizations WHERE id = ?', organizationId),
  ]);
  return rowsOf<{ stripe_customer_id: string | null }>(stored)[0]?.stripe_customer_id ?? null;
}

export function fillOrganizationCustomerIdStatement(
  db: Database,
  organizationId: string,
  customerId: string,
): Statement {
  return sqlStatement(
    db,
    'UPDATE organizations SET stripe_customer_id = ? WHERE id = ? AND stripe_customer_id IS NULL',
    customerId,
    organizationId,
  );
}

/** The organization a Stripe event is about: by our id (metadata) or, failing that, by customer id. */
export function findEventOrganizationStatement(
  db: Database,
  organizationId: string | null,
  customerId: string | null,
): Statement {
  return sqlStatement(
    db,
    `SELECT id, seats_desired FROM organizations WHERE id = ?1 OR (?2 IS NOT NULL AND stripe_customer_id = ?2)
     ORDER BY id = ?1 DESC LIMIT 1`,
    organizationId ?? '',
    customerId,
  );
}

/** Batchable: the organization whose subscription this is (rows: `{ id }`), for invoice events. */
export function findSubscriptionOrganizationStatement(db: Database, subscriptionId: string): Statement {
  return sqlStatement(
    db,
    'SELECT organization_id AS id, last_event_created AS created FROM organization_subscriptions WHERE id = ?',
    subscriptionId,
  );
}

export interface OrganizationSubscriptionSnapshot {
  id: string;
  organizationId: string;
  customerId: string;
  status: string;
  priceId: string | null;
  itemId: string | null;
  quantity: number | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
}

/** Batchable: writes the snapshot unless the stored state comes from a newer event (never backwards). */
export function upsertOrganizationSubscriptionStatement(
  db: Database,
  snapshot: OrganizationSubscriptionSnapshot,
  eventCreated: number,
  now: Date,
): Statement {
  return sqlStatement(
    db,
    `INSERT INTO organization_subscriptions (id, organization_id, customer_id, status, price_id, item_id, quantity,
       current_period_end, cancel_at_period_end, last_event_created, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
     ON CONFLICT (id) DO UPDATE SET
       status = excluded.status, price_id = excluded.price_id, item_id = excluded.item_id, quantity = excluded.quantity,
       current_period_end = excluded.current_period_end, cancel_at_period_end = excluded.cancel_at_period_end,
       last_event_created = excluded.last_event_created, updated_at = excluded.updated_at
     WHERE excluded.last_event_created >= organization_subscriptions.last_event_created`,
    snapshot.id,
    snapshot.organizationId,
    snapshot.customerId,
    snapshot.status,
    snapshot.priceId,
    snapshot.itemId,
    snapshot.quantity,
    snapshot.currentPeriodEnd?.getTime() ?? null,
    snapshot.cancelAtPeriodEnd ? 1 : 0,
    eventCreated,
    now.getTime(),
  );
}

/** Batchable: moves an organization's subscription to `status` (from one of `from`) unless a newer event was stored. */
export function setOrganizationSubscriptionStatusStatement(
  db: Database,
  input: { id: string; status: string; from: readonly string[]; eventCreated: number; now: Date },
): Statement {
  return sqlStatement(
    db,
    `UPDATE organization_subscriptions SET status = ?, last_event_created = ?, updated_at = ?
     WHERE id = ? AND last_event_created <= ? AND status IN (SELECT value FROM json_each(?))`,
    input.status,
    input.eventCreated,
    input.now.getTime(),
    input.id,
    input.eventCreated,
    JSON.stringify(input.from),
  );
}

const SEATS_WANTED = `seats_version = seats_version + 1, seat_sync_next_at = ?, seat_sync_attempts = 0`;

/**
 * Batchable, in the same batch as a membership change: records the member count as the seats
 * wanted, and a new version to push, due now. `leaving`: a member whose removal comes later in the
 * batch (this statement goes first, under the removal's own condition), not counted.
 */
export function recordSeatsStatement(
  db: Database,
  input: { organizationId: string; now: Date; leaving?: string; when: Condition },
): Statement {
  return sqlStatement(
    db,
    `UPDATE organizations SET seats_desired = (SELECT COUNT(*) FROM memberships m
         WHERE m.organization_id = organizations.id AND m.user_id != ?), ${SEATS_WANTED}
     WHERE id = ? AND ${input.when.sql}`,
    input.leaving ?? '',
    input.now.getTime(),
    input.organizationId,
    ...input.when.params,
  );
}

/** The same for every organization of a user whose account the batch deletes next (under `when`). */
export function recordSeatsWithoutMemberStatement(
  db: Database,
  input: { userId: string; now: Date; when: Condition },
): Statement {
  return sqlStatement(
    db,
    `UPDATE organizations SET seats_desired = (SELECT COUNT(*) FROM memberships m
         WHERE m.organization_id = organizations.id AND m.user_id != ?), ${SEATS_WANTED}
     WHERE id IN (SELECT organization_id FROM memberships WHERE user_id = ?) AND ${input.when.sql}`,
    input.userId,
    input.now.getTime(),
    input.userId,
    ...input.when.params,
  );
}

/** The Stripe customers of the organizations the user is the only member of (they go with the account). */
export async function listSoleMemberOrganizationCustomerIds(db: Database, userId: string): Promise<string[]> {
  const result = await sqlStatement(
    db,
    `SELECT o.stripe_customer_id AS id FROM organizations o JOIN memberships m ON m.organization_id = o.id
     WHERE m.user_id = ? AND o.stripe_customer_id IS NOT NULL
       AND (SELECT COUNT(*) FROM memberships x WHERE x.organization_id = o.id) = 1`,
    userId,
  ).all<{ id: string }>();
  return result.results.map((row) => row.id);
}

/**
 * Batchable, with an applied subscription event: when Stripe's quantity differs from the seats
 * wanted, a new version to push (due now), so Stripe converges back to the member count.
 */
export function reconcileSeatsStatement(
  db: Database,
  input: { organizationId: string; subscriptionId: string; quantity: number; eventCreated: number; now: Date },
): Statement {
  return sqlStatement(
    db,
    `UPDATE organizations SET seats_version = seats_version + 1, seat_sync_next_at = ?1, seat_sync_attempts = 0
     WHERE id = ?2 AND seats_desired != ?3
       AND EXISTS (SELECT 1 FROM organization_subscriptions WHERE id = ?4 AND last_event_created = ?5)`,
    input.now.getTime(),
    input.organizationId,
    input.quantity,
    input.subscriptionId,
    input.eventCreated,
  );
}

/** What a seat push needs, read under its lease. */
export interface SeatPush {
  seats_desired: number;
  seats_version: number;
  /** Failed pushes so far: part of the idempotency key, as Stripe replays a failed answer to a key. */
  seat_sync_attempts: number;
  subscription: OrganizationSubscriptionRow | null;
}

/**
 * Takes the organization's seat-sync lease when a version is waiting and nobody holds it: one batch
 * that also reads what to push. Null when there is nothing to do or another pusher has it.
 */
export async function claimSeatSync(
  db: Database,
  input: { organizationId: string; lease: string; now: Date; leaseMs: number },
): Promise<SeatPush | null> {
  const [claimed, orgRows, subscriptionRows] = await runBatch(db, [
    sqlStatement(
      db,
      `UPDATE organizations SET seat_sync_lease = ?1, seat_sync_lease_until = ?2
       WHERE id = ?3 AND seats_synced_version < seats_version
         AND (seat_sync_lease IS NULL OR seat_sync_lease_until < ?4)`,
      input.lease,
      input.now.getTime() + input.leaseMs,
      input.organizationId,
      input.now.getTime(),
    ),
    sqlStatement(
      db,
      'SELECT seats_desired, seats_version, seat_sync_attempts FROM organizations WHERE id = ? AND seat_sync_lease = ?',
      input.organizationId,
      input.lease,
    ),
    selectCurrentOrganizationSubscriptionStatement(db, input.organizationId),
  ]);
  const org = rowsOf<Omit<SeatPush, 'subscription'>>(orgRows)[0];
  if (claimed?.meta.changes !== 1 || !org) return null;
  return { ...org, subscription: rowsOf<OrganizationSubscriptionRow>(subscriptionRows)[0] ?? null };
}

/**
 * Gives the lease back: after a push that succeeded (or had nothing to push), the version it covered
 * is synced, and a newer one is due at once; after a failure, the next try is at `retryAt`.
 */
export async function releaseSeatSync(
  db: Database,
  input: { organizationId: string; lease: string; version: number; now: Date; retryAt: Date | null },
): Promise<void> {
  if (input.retryAt === null) {
    await sqlStatement(
      db,
      `UPDATE organizations SET seats_synced_version = MAX(seats_synced_version, ?1), seat_sync_attempts = 0,
         seat_sync_next_at = CASE WHEN seats_version > ?1 THEN ?2 ELSE NULL END,
         seat_sync_lease = NULL, seat_sync_lease_until = NULL
       WHERE id = ?3 AND seat_sync_lease = ?4`,
      input.version,
      input.now.getTime(),
      input.organizationId,
      input.lease,
    ).run();
    return;
  }
  await sqlStatement(
    db,
    `UPDATE organizations SET seat_sync_attempts = seat_sync_attempts + 1, seat_sync_next_at = ?1,
       seat_sync_lease = NULL, seat_sync_lease_until = NULL
     WHERE id = ?2 AND seat_sync_lease = ?3`,
    input.retryAt.getTime(),
    input.organizationId,
    input.lease,
  ).run();
}

/** Organizations whose seats are due to be pushed (through the seat_sync_next_at index). */
export async function listDueSeatSyncs(db: Database, now: Date, limit: number): Promise<string[]> {
  const result = await sqlStatement(
    db,
    'SELECT id FROM organizations WHERE seat_sync_next_at <= ? ORDER BY seat_sync_next_at LIMIT ?',
    now.getTime(),
    limit,
  ).all<{ id: string }>();
  return result.results.map((row) => row.id);
}

/** Batchable: the organization's owners (rows: `{ id, email }`), who hear about failed payments. */
export function selectOwnersStatement(db: Database, organizationId: string): Statement {
  return sqlStatement(
    db,
    `SELECT u.id, u.email FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.organization_id = ? AND m.role = 'owner' ORDER BY m.created_at LIMIT 10`,
    organizationId,
  );
}

/**
 * For requireSubscription in an organization's context, one round trip: whether the session is live
 * (user enabled) and its user still a member, and the organization's current subscription.
 */
export async function findOrganizationAccess(
  db: Database,
  input: { sessionId: string; userId: string; organizationId: string; now: Date },
): Promise<{ live: boolean; member: boolean; subscription: OrganizationSubscriptionRow | null }> {
  const [facts, subscriptionRows] = await runBatch(db, [
    sqlStatement(
      db,
      `SELECT EXISTS (SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id
                      WHERE s.id = ?1 AND s.user_id = ?2 AND s.revoked_at IS NULL AND s.expires_at > ?4
                        AND u.disabled_at IS NULL) AS live,
              EXISTS (SELECT 1 FROM memberships WHERE organization_id = ?3 AND user_id = ?2) AS member`,
      input.sessionId,
      input.userId,
      input.organizationId,
      input.now.getTime(),
    ),
    selectCurrentOrganizationSubscriptionStatement(db, input.organizationId),
  ]);
  const row = rowsOf<{ live: number; member: number }>(facts)[0];
  return {
    live: row?.live === 1,
    member: row?.member === 1,
    subscription: rowsOf<OrganizationSubscriptionRow>(subscriptionRows)[0] ?? null,
  };
}
