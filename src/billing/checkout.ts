// Checkout and the customer portal: the Stripe customer is created once, before the first checkout.
import type Stripe from 'stripe';
import type { AccessTokenClaims } from '../auth/access-tokens';
import { getLiveAccount } from '../auth/accounts';
import type { StripeSettings } from '../config';
import { LIVE_SUBSCRIPTION_STATUSES, storeStripeCustomerId } from '../db/billing';
import type { User } from '../db/schema';
import type { Deps } from '../deps';
import { AppError } from '../errors';
import { getStripe, stripeSettings } from './stripe-client';

/**
 * The user's Stripe customer, created on first use. Concurrent first checkouts send the same
 * idempotency key, so Stripe returns one customer to all of them, and the conditional update
 * stores it once.
 */
async function ensureCustomer(deps: Deps, stripe: Stripe, user: User): Promise<string> {
  if (user.stripeCustomerId) return user.stripeCustomerId;
  const customer = await stripe.customers.create(
    { email: user.email, name: user.name ?? undefined, metadata: { user_id: user.id } },
    { idempotencyKey: `liftoff-customer-${user.id}` },
  );
  return (await storeStripeCustomerId(deps.db, user.id, customer.id)) ?? customer.id;
}

export async function createCheckoutSession(deps: Deps, auth: AccessTokenClaims, priceId: string): Promise<string> {
  const settings: StripeSettings = stripeSettings(deps.config);
  if (!settings.priceIds.includes(priceId)) throw new AppError('PRICE_NOT_ALLOWED');
  const { user, subscription: current } = await getLiveAccount(deps, auth, 'primary');
  if (current && (LIVE_SUBSCRIPTION_STATUSES as readonly string[]).includes(current.status)) {
    throw new AppError('ALREADY_SUBSCRIBED');
  }
  const stripe = await getStripe(settings);
  const customer = await ensureCustomer(deps, stripe, user);
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    customer,
    line_items: [{ price: priceId, quantity: 1 }],
    client_reference_id: user.id,
    metadata: { user_id: user.id },
    subscription_data: { metadata: { user_id: user.id } },
    success_url: `${deps.config.appUrl}/billing/success?session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${deps.config.appUrl}/billing/cancel`,
  });
  if (!session.url) throw new Error('Stripe returned a checkout session without a URL');
  return session.url;
}

export async function createPortalSession(deps: Deps, auth: AccessTokenClaims): Promise<string> {
  const settings = stripeSettings(deps.config);
  const { user } = await getLiveAccount(deps, auth, 'primary');
  if (!user.stripeCustomerId) throw new AppError('NO_BILLING_ACCOUNT');
  const stripe = await getStripe(settings);
  const session = await stripe.billingPortal.sessions.create({
    customer: user.stripeCustomerId,
    return_url: `${deps.config.appUrl}/billing`,
  });
  return session.url;
}
