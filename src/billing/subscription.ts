// The subscription as the API shows it, and the rule for "may use paid features".
import { findCurrentSubscription } from '../db/billing';
import type { Database } from '../db/client';
import type { Subscription } from '../db/schema';

/** Stripe's subscription statuses (stored as Stripe's webhooks send them). */
export const SUBSCRIPTION_STATUSES = [
  'incomplete',
  'incomplete_expired',
  'trialing',
  'active',
  'past_due',
  'canceled',
  'unpaid',
  'paused',
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export type SubscriptionSummary =
  | { status: 'none' }
  | {
      status: SubscriptionStatus;
      price_id: string | null;
      current_period_end: string | null;
      cancel_at_period_end: boolean;
    };

export function toSubscriptionSummary(subscription: Subscription | null): SubscriptionSummary {
  if (!subscription) return { status: 'none' };
  return {
    status: subscription.status as SubscriptionStatus,
    price_id: subscription.priceId,
    current_period_end: subscription.currentPeriodEnd?.toISOString() ?? null,
    cancel_at_period_end: subscription.cancelAtPeriodEnd,
  };
}

/** Paid features are open while Stripe says active or trialing; past_due is a grace state in Stripe, not here. */
export function grantsPaidFeatures(subscription: Subscription | null): boolean {
  return subscription !== null && (subscription.status === 'active' || subscription.status === 'trialing');
}

export async function getSubscriptionSummary(db: Database, userId: string): Promise<SubscriptionSummary> {
  return toSubscriptionSummary(await findCurrentSubscription(db, userId));
}
