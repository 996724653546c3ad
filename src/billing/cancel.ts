// Cancelling a deleted account's subscriptions, so nobody is charged for an account that is gone.
import { listCancellableSubscriptionIds } from '../db/billing';
import type { Deps } from '../deps';
import { AppError } from '../errors';
import { getStripe, stripeSettings } from './stripe-client';

/** Cancels at Stripe immediately; a Stripe failure stops the deletion (502) rather than leave a charge. */
export async function cancelSubscriptionsOf(deps: Pick<Deps, 'db' | 'config'>, userId: string): Promise<void> {
  const ids = await listCancellableSubscriptionIds(deps.db, userId);
  if (ids.length === 0) return;
  // Without billing settings the subscription cannot be cancelled: BILLING_NOT_CONFIGURED, nothing deleted.
  const stripe = await getStripe(stripeSettings(deps.config));
  for (const id of ids) {
    try {
      await stripe.subscriptions.cancel(id);
    } catch (err) {
      // Already gone at Stripe is fine; anything else must not leave a paying subscription behind.
      if ((err as { code?: string }).code === 'resource_missing') continue;
      throw new AppError('BILLING_UNAVAILABLE');
    }
  }
}
