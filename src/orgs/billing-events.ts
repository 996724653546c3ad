// The Stripe events about organizations (checkout, subscription, invoice), planned as the user's
// are in billing/stripe-events.ts, which loads this module only for an event no user matches. An
// organization's subscription is never moved backwards (the event time guards every write), and a
// quantity that disagrees with the member count schedules a push back (seats.ts).
import type Stripe from 'stripe';
import { idOf, snapshotOf, subscriptionIdOfInvoice, type Plan, type WebhookDeps } from '../billing/stripe-events';
import { rowsOf, runBatch, type Statement } from '../db/client';
import {
  fillOrganizationCustomerIdStatement,
  findEventOrganizationStatement,
  findSubscriptionOrganizationStatement,
  reconcileSeatsStatement,
  selectOwnersStatement,
  setOrganizationSubscriptionStatusStatement,
  upsertOrganizationSubscriptionStatement,
} from '../db/org-billing';
import { queueEmail } from '../email/outbox';
import { paymentFailedEmail } from '../email/templates';
import { isSeatPrice } from './seats';

/** The plan for an organization's event, or null when it is not about one either. */
export async function planOrganizationEvent(deps: WebhookDeps, event: Stripe.Event): Promise<Plan | null> {
  switch (event.type) {
    case 'checkout.session.completed':
      return checkoutCompleted(deps, event.data.object);
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      return subscriptionChanged(deps, event.data.object, event);
    case 'invoice.paid':
      return invoiceSettled(deps, event.data.object, event, 'paid');
    case 'invoice.payment_failed':
      return invoiceSettled(deps, event.data.object, event, 'failed');
    default:
      return null;
  }
}

async function eventOrganization(deps: WebhookDeps, organizationId: string | null, customerId: string | null) {
  const [rows] = await runBatch(deps.db, [findEventOrganizationStatement(deps.db, organizationId, customerId)]);
  return rowsOf<{ id: string }>(rows)[0] ?? null;
}

async function checkoutCompleted(deps: WebhookDeps, session: Stripe.Checkout.Session): Promise<Plan | null> {
  const customerId = idOf(session.customer);
  const organization = await eventOrganization(deps, session.metadata?.organization_id ?? null, customerId);
  if (!organization || !customerId) return null;
  return {
    outcome: 'applied',
    organizationId: organization.id,
    subscriptionId: idOf(session.subscription),
    outboxIds: [],
    statements: [fillOrganizationCustomerIdStatement(deps.db, organization.id, customerId)],
  };
}

async function subscriptionChanged(
  deps: WebhookDeps,
  subscription: Stripe.Subscription,
  event: Stripe.Event,
): Promise<Plan | null> {
  const organization = await eventOrganization(
    deps,
    subscription.metadata?.organization_id ?? null,
    idOf(subscription.customer),
  );
  if (!organization) return null;
  const [storedRows] = await runBatch(deps.db, [findSubscriptionOrganizationStatement(deps.db, subscription.id)]);
  const stored = rowsOf<{ created: number }>(storedRows)[0];
  const base = { organizationId: organization.id, subscriptionId: subscription.id, outboxIds: [] };
  if (stored && stored.created > event.created) return { ...base, outcome: 'stale', statements: [] };
  const item = subscription.items?.data?.[0];
  const { userId: _none, ...snapshot } = { ...snapshotOf(subscription, ''), organizationId: organization.id };
  const statements: Statement[] = [
    upsertOrganizationSubscriptionStatement(
      deps.db,
      { ...snapshot, itemId: item?.id ?? null, quantity: item?.quantity ?? null },
      event.created,
      deps.now,
    ),
  ];
  const perSeat = deps.config.stripe !== null && isSeatPrice(deps.config.stripe, snapshot.priceId);
  if (perSeat && typeof item?.quantity === 'number' && event.type !== 'customer.subscription.deleted') {
    statements.push(
      reconcileSeatsStatement(deps.db, {
        organizationId: organization.id,
        subscriptionId: subscription.id,
        quantity: item.quantity,
        eventCreated: event.created,
        now: deps.now,
      }),
    );
  }
  return { ...base, outcome: 'applied', statements };
}

async function invoiceSettled(
  deps: WebhookDeps,
  invoice: Stripe.Invoice,
  event: Stripe.Event,
  result: 'paid' | 'failed',
): Promise<Plan | null> {
  const subscriptionId = subscriptionIdOfInvoice(invoice);
  const [subscriptionRows, organizationRows] = await runBatch(deps.db, [
    findSubscriptionOrganizationStatement(deps.db, subscriptionId ?? ''),
    findEventOrganizationStatement(deps.db, null, idOf(invoice.customer)),
  ]);
  const stored = rowsOf<{ id: string; created: number }>(subscriptionRows)[0];
  const organizationId = stored?.id ?? rowsOf<{ id: string }>(organizationRows)[0]?.id;
  if (!organizationId) return null;
  const stale = stored !== undefined && stored.created > event.created;
  const statements: Statement[] = [];
  const outboxIds: string[] = [];
  if (subscriptionId && !stale) {
    statements.push(
      setOrganizationSubscriptionStatusStatement(deps.db, {
        id: subscriptionId,
        status: result === 'paid' ? 'active' : 'past_due',
        from: result === 'paid' ? ['past_due', 'unpaid', 'incomplete'] : ['active', 'trialing', 'past_due'],
        eventCreated: event.created,
        now: deps.now,
      }),
    );
  }
  if (result === 'failed') {
    // The owners manage billing: each hears about a failed payment.
    const [owners] = await runBatch(deps.db, [selectOwnersStatement(deps.db, organizationId)]);
    for (const owner of rowsOf<{ id: string; email: string }>(owners)) {
      const email = queueEmail(deps.db, {
        userId: owner.id,
        to: owner.email,
        content: paymentFailedEmail({ appUrl: deps.config.appUrl }),
        now: deps.now,
      });
      statements.push(email.statement);
      outboxIds.push(email.id);
    }
  }
  return { outcome: stale ? 'stale' : 'applied', statements, outboxIds, organizationId, subscriptionId };
}
