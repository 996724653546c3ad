// The caller's billing account, the subscription as the API shows it, and the rule for "may use paid features".
import { tokenError, type AccessTokenClaims } from '../auth/access-tokens';
import type { AuthDeps } from '../auth/sessions';
import { findBillingAccount, findCurrentSubscription } from '../db/billing';
import type { Database } from '../db/client';
import type { Subscription, User } from '../db/schema';
import { notFound } from '../errors';

/**
 * The caller's user and current subscription. Billing routes reach Stripe or show payment data, so
 * the token's session must be live and its user enabled (a disabled user's 15-minute token gets
 * nothing), checked in the same D1 round trip as the read instead of a separate one.
 */
export async function billingAccountOf(deps: AuthDeps, auth: AccessTokenClaims): Promise<{ user: User; subscription: Subscription | null }> {
  const { user, subscription, sessionLive } = await findBillingAccount(deps.db, { userId: auth.userId, sessionId: auth.sessionId, now: deps.now });
  if (!sessionLive) throw tokenError('TOKEN_INVALID');
  if (!user) throw notFound('No such user.');
  return { user, subscription };
}

export type SubscriptionSummary =
  | { status: 'none' }
  | { status: string; price_id: string | null; current_period_end: string | null; cancel_at_period_end: boolean };

export function toSubscriptionSummary(subscription: Subscription | null): SubscriptionSummary {
  if (!subscription) return { status: 'none' };
  return {
    status: subscription.status,
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
