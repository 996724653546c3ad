// Seat billing: an organization on a per-seat price (STRIPE_SEAT_PRICE_IDS) pays for its member
// count. No change is lost: each membership change records the count and a new version in its own
// D1 batch; the request pushes it to Stripe after its response (with proration, an idempotency key
// per version and attempt); a failure is retried by the cron job with backoff until Stripe has it; and
// customer.subscription.updated webhooks that disagree with the count schedule a push back.
import type { StripeSettings } from '../config';
import { LIVE_SUBSCRIPTION_STATUSES } from '../db/billing';
import { claimSeatSync, listDueSeatSyncs, releaseSeatSync } from '../db/org-billing';
import type { Deps } from '../deps';
import { afterResponse } from '../lib/after-response';
import { randomToken } from '../lib/crypto';
import { getStripe } from '../billing/stripe-client';

type SeatDeps = Pick<Deps, 'db' | 'config' | 'log'>;

/** A pusher that dies mid-push gives the lease back after this long. */
const LEASE_MS = 60_000;
/** Pushes in one request's or cron run's loop before leaving the rest to the next run. */
const MAX_PUSHES = 5;
const DUE_BATCH = 25;

/** Minutes before retry n+1 after n failures: 1, 2, 4 ... capped at an hour. Never given up: a lost seat is money. */
export function seatRetryDelayMs(failures: number): number {
  return Math.min(2 ** Math.max(0, failures - 1), 60) * 60_000;
}

export const isSeatPrice = (settings: StripeSettings, priceId: string | null) =>
  priceId !== null && settings.seatPriceIds.includes(priceId);

/**
 * Pushes the organization's waiting seat count to Stripe, if it has a live per-seat subscription
 * (setting a quantity is idempotent: pushing an unchanged count changes nothing there); returns
 * whether Stripe now has the latest version (or nothing is waiting).
 * One pusher at a time (a lease in D1): concurrent joins each record a version, and whoever holds
 * the lease loops until the latest is pushed, so an older count never lands after a newer one.
 */
export async function pushSeats(deps: SeatDeps, organizationId: string): Promise<boolean> {
  const settings = deps.config.stripe;
  if (!settings) return false;
  const lease = randomToken(16);
  for (let push = 0; push < MAX_PUSHES; push++) {
    const now = new Date();
    const waiting = await claimSeatSync(deps.db, { organizationId, lease, now, leaseMs: LEASE_MS });
    if (!waiting) return true; // in step, or another pusher holds the lease (it loops to the latest)
    const subscription = waiting.subscription;
    const needsPush =
      subscription !== null &&
      (LIVE_SUBSCRIPTION_STATUSES as readonly string[]).includes(subscription.status) &&
      isSeatPrice(settings, subscription.price_id) &&
      subscription.item_id !== null;
    try {
      if (needsPush) {
        const stripe = await getStripe(settings);
        await stripe.subscriptions.update(
          subscription.id,
          {
            items: [{ id: subscription.item_id!, quantity: waiting.seats_desired }],
            proration_behavior: 'create_prorations',
          },
          // Stripe answers a key's retry with its first answer, failures included: a new key per attempt.
          {
            idempotencyKey: `liftoff-seats-${organizationId}-${waiting.seats_version}-${waiting.seat_sync_attempts}`,
          },
        );
      }
    } catch (err) {
      const failures = waiting.seat_sync_attempts + 1;
      const retryAt = new Date(Date.now() + seatRetryDelayMs(failures));
      await releaseSeatSync(deps.db, { organizationId, lease, version: waiting.seats_version, now, retryAt });
      deps.log.warn('seat count push to Stripe failed', {
        organization_id: organizationId,
        seats: waiting.seats_desired,
        failures,
        retry_at: retryAt.toISOString(),
        error: err instanceof Error ? err.message : String(err),
      });
      return false;
    }
    await releaseSeatSync(deps.db, { organizationId, lease, version: waiting.seats_version, now, retryAt: null });
  }
  return false;
}

/** After the response: push each organization's seats (a failure stays scheduled for the cron job). */
export function pushSeatsAfterResponse(
  request: { executionCtx: Pick<ExecutionContext, 'waitUntil'> },
  deps: SeatDeps,
  organizationIds: string[],
): void {
  if (!deps.config.stripe || organizationIds.length === 0) return;
  afterResponse(request, async () => {
    for (const id of organizationIds) await pushSeats(deps, id);
  });
}

/** The cron job's part: push what is due (failed earlier, orphaned by a dead request, or reconciled). */
export async function retryDueSeatSyncs(deps: SeatDeps): Promise<number> {
  if (!deps.config.stripe) return 0;
  const ids = await listDueSeatSyncs(deps.db, new Date(), DUE_BATCH);
  for (const id of ids) await pushSeats(deps, id);
  return ids.length;
}
