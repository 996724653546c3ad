// Billing per organization: its owners check out and manage the subscription (the organization is
// the Stripe customer, apart from any member's own); on a per-seat price the quantity is the member
// count, kept in step by seats.ts. Members read the subscription; the active organization's
// subscription opens paid features (requireSubscription in the organization context).
import type Stripe from 'stripe';
import { tokenError, type AccessTokenClaims } from '../auth/access-tokens';
import { getStripe, stripeSettings } from '../billing/stripe-client';
import type { SubscriptionStatus, SubscriptionSummary } from '../billing/subscription';
import {
  findOrganizationAccess,
  findOrganizationBilling,
  storeOrganizationCustomerId,
  type OrganizationSubscriptionRow,
} from '../db/org-billing';
import { LIVE_SUBSCRIPTION_STATUSES } from '../db/billing';
import type { Deps } from '../deps';
import { AppError } from '../errors';
import { membershipOf, membershipWithRole, noSuchOrganization } from './membership';
import { isSeatPrice } from './seats';

/** As GET /api/billing/subscription shows a user's (the Subscription schema). */
function toSummary(row: OrganizationSubscriptionRow | null): SubscriptionSummary {
  if (!row) return { status: 'none' };
  return {
    status: row.status as SubscriptionStatus,
    price_id: row.price_id,
    current_period_end: row.current_period_end === null ? null : new Date(row.current_period_end).toISOString(),
    cancel_at_period_end: row.cancel_at_period_end === 1,
  };
}

/** The organization's customer, created once (concurrent first checkouts share one idempotency key). */
async function ensureCustomer(
  deps: Deps,
  stripe: Stripe,
  organization: { id: string; name: string },
  stored: string | null,
) {
  if (stored) return stored;
  const customer = await stripe.customers.create(
    { name: organization.name, metadata: { organization_id: organization.id } },
    { idempotencyKey: `liftoff-org-customer-${organization.id}` },
  );
  return (await storeOrganizationCustomerId(deps.db, organization.id, customer.id)) ?? customer.id;
}

/** POST /api/orgs/{id}/billing/checkout: owners; quantity = member count on a per-seat price, else 1. */
export async function createOrganizationCheckout(
  deps: Deps,
  auth: AccessTokenClaims,
  organizationId: string,
  priceId: string,
): Promise<string> {
  const settings = stripeSettings(deps.config);
  if (!settings.priceIds.includes(priceId)) throw new AppError('PRICE_NOT_ALLOWED');
  const organization = await membershipWithRole(deps, auth, organizationId, 'owner');
  const billing = await findOrganizationBilling(deps.db, organizationId);
  if (!billing) throw new AppError('NOT_FOUND');
  if (billing.subscription && (LIVE_SUBSCRIPTION_STATUSES as readonly string[]).includes(billing.subscription.status)) {
    throw new AppError(
      'ALREADY_SUBSCRIBED',
      'This organization already has a subscription; manage it in the billing portal.',
    );
  }
  const stripe = await getStripe(settings);
  const customer = await ensureCustomer(deps, stripe, organization, billing.stripe_customer_id);
  const metadata = { organization_id: organizationId };
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    customer,
    line_items: [{ price: priceId, quantity: isSeatPrice(settings, priceId) ? billing.seats_desired : 1 }],
    client_reference_id: `org_${organizationId}`,
    metadata,
    subscription_data: { metadata },
    success_url: `${deps.config.appUrl}/billing/success?session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${deps.config.appUrl}/billing/cancel`,
  });
  if (!session.url) throw new Error('Stripe returned a checkout session without a URL');
  return session.url;
}

/** POST /api/orgs/{id}/billing/portal: owners. */
export async function createOrganizationPortal(deps: Deps, auth: AccessTokenClaims, organizationId: string) {
  const settings = stripeSettings(deps.config);
  await membershipWithRole(deps, auth, organizationId, 'owner');
  const billing = await findOrganizationBilling(deps.db, organizationId);
  if (!billing?.stripe_customer_id) throw new AppError('NO_BILLING_ACCOUNT');
  const stripe = await getStripe(settings);
  const session = await stripe.billingPortal.sessions.create({
    customer: billing.stripe_customer_id,
    return_url: `${deps.config.appUrl}/billing`,
  });
  return session.url;
}

/** GET /api/orgs/{id}/billing: any member; the subscription and the seats (wanted, and as Stripe has them). */
export async function getOrganizationBilling(deps: Deps, auth: AccessTokenClaims, organizationId: string) {
  await membershipOf(deps, auth, organizationId);
  const billing = await findOrganizationBilling(deps.db, organizationId);
  if (!billing) throw new AppError('NOT_FOUND');
  return toBillingView(deps, billing, billing.subscription);
}

/** GET /api/orgs/{id}/billing with the organization's own API key (any other key: 404, as to a non-member). */
export async function getOrganizationBillingForKey(deps: Deps, keyOrganizationId: string, organizationId: string) {
  if (keyOrganizationId !== organizationId) throw noSuchOrganization();
  const billing = await findOrganizationBilling(deps.db, organizationId);
  if (!billing) throw noSuchOrganization();
  return toBillingView(deps, billing, billing.subscription);
}

/** The paid-feature guard for an organization's API key: the organization's subscription decides. */
export async function requirePaidOrganization(deps: Deps, organizationId: string) {
  const billing = await findOrganizationBilling(deps.db, organizationId);
  if (!organizationGrantsPaidFeatures(billing?.subscription ?? null)) {
    throw new AppError('SUBSCRIPTION_REQUIRED', 'This feature needs an active subscription for the organization.');
  }
}

/** The subscription and the seats, as members (GET /api/orgs/{id}/billing) and admins see them. */
export function toBillingView(
  deps: Pick<Deps, 'config'>,
  seats: { seats_desired: number; seats_version: number; seats_synced_version: number },
  subscription: OrganizationSubscriptionRow | null,
) {
  const perSeat =
    subscription !== null && deps.config.stripe !== null && isSeatPrice(deps.config.stripe, subscription.price_id);
  return {
    subscription: toSummary(subscription),
    seats: {
      per_seat: perSeat,
      members: seats.seats_desired,
      billed: subscription?.quantity ?? null,
      in_sync: seats.seats_synced_version >= seats.seats_version || !perSeat,
    },
  };
}

/** Paid features are open while Stripe says active or trialing, as for a user's subscription. */
export const organizationGrantsPaidFeatures = (subscription: OrganizationSubscriptionRow | null) =>
  subscription !== null && (subscription.status === 'active' || subscription.status === 'trialing');

/**
 * Before an organization is deleted: deletes its Stripe customer, which cancels every subscription
 * it has at once, including one whose webhook has not arrived yet, and makes a checkout still open
 * in someone's tab fail instead of charging for an organization that is gone. A Stripe failure
 * stops the deletion (502 BILLING_UNAVAILABLE); already gone at Stripe is fine.
 */
export async function closeOrganizationBilling(deps: Pick<Deps, 'db' | 'config'>, organizationId: string) {
  const billing = await findOrganizationBilling(deps.db, organizationId);
  await deleteCustomers(deps, billing?.stripe_customer_id ? [billing.stripe_customer_id] : []);
}

export async function deleteCustomers(deps: Pick<Deps, 'config'>, customerIds: string[]) {
  if (customerIds.length === 0) return;
  const stripe = await getStripe(stripeSettings(deps.config));
  for (const id of customerIds) {
    try {
      await stripe.customers.del(id);
    } catch (err) {
      if ((err as { code?: string }).code === 'resource_missing') continue;
      throw new AppError('BILLING_UNAVAILABLE');
    }
  }
}

/**
 * requireSubscription when the token has an active organization: the organization's subscription
 * decides, and the session must be live and its user still a member (read in D1, one round trip),
 * so a removed member loses the organization's paid features at once.
 */
export async function requireOrganizationSubscription(deps: Deps, auth: AccessTokenClaims & { orgId: string }) {
  const access = await findOrganizationAccess(deps.db, {
    sessionId: auth.sessionId,
    userId: auth.userId,
    organizationId: auth.orgId,
    now: deps.now,
  });
  if (!access.live) throw tokenError('TOKEN_INVALID');
  if (!access.member || !organizationGrantsPaidFeatures(access.subscription)) {
    throw new AppError('SUBSCRIPTION_REQUIRED', 'This feature needs an active subscription for your organization.');
  }
}
