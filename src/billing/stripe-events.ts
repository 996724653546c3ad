// applyStripeEvent: each verified webhook event is applied exactly once, atomically, and never backwards.
import type Stripe from 'stripe';
import { z } from 'zod';
import { insertAuditEntryStatement, type AuditEvent } from '../db/audit-log';
import {
  fillStripeCustomerIdStatement,
  findStripeEventUserStatement,
  insertStripeEventStatement,
  storedEventTimeStatement,
  type StripeEventUser,
  setSubscriptionStatusStatement,
  upsertSubscriptionStatement,
  type SubscriptionSnapshot,
} from '../db/billing';
import { isUniqueViolation, rowsOf, runBatch, type Statement } from '../db/client';
import type { Deps } from '../deps';
import { queueEmail } from '../email/outbox';
import { paymentFailedEmail } from '../email/templates';
import { validationError } from '../errors';
import { newId } from '../lib/crypto';

/** The webhook's events come from Stripe, not a user: their audit entries carry no client. */
export type WebhookDeps = Pick<Deps, 'db' | 'config' | 'now'>;

export type EventOutcome = 'applied' | 'stale' | 'unmatched' | 'ignored' | 'duplicate';

export interface Plan {
  outcome: Exclude<EventOutcome, 'duplicate'>;
  statements: Statement[];
  outboxIds: string[];
  userId?: string | null;
  subscriptionId?: string | null;
  organizationId?: string;
}

/**
 * What an event needs before it can be recorded, and for the types applied here, every field the
 * code below reads, typed: Stripe sends exactly these shapes, so anything else is a body that can
 * never apply (a 400, not a 500 that Stripe would retry for days).
 */
const reference = z.union([z.string(), z.looseObject({ id: z.string() })]).nullish(); // an id, or the expanded object
const metadata = z.record(z.string(), z.string()).nullish();
const eventOf = (object: z.ZodType) =>
  z.object({ id: z.string().min(1), type: z.string().min(1), created: z.number().int(), data: z.object({ object }) });
const anyEvent = eventOf(z.looseObject({}));
const checkoutEvent = eventOf(
  z.looseObject({ customer: reference, subscription: reference, client_reference_id: z.string().nullish(), metadata }),
);
const subscriptionEvent = eventOf(
  z.looseObject({
    id: z.string().min(1),
    status: z.string().min(1),
    customer: reference,
    metadata,
    cancel_at_period_end: z.boolean().nullish(),
    current_period_end: z.number().nullish(),
    items: z
      .looseObject({
        data: z.array(
          z.looseObject({
            current_period_end: z.number().nullish(),
            price: z.looseObject({ id: z.string() }).nullish(),
          }),
        ),
      })
      .nullish(),
  }),
);
const invoiceEvent = eventOf(
  z.looseObject({
    customer: reference,
    subscription: reference,
    parent: z.looseObject({ subscription_details: z.looseObject({ subscription: reference }).nullish() }).nullish(),
  }),
);

function eventSchema(type: unknown) {
  if (typeof type !== 'string') return anyEvent;
  if (type === 'checkout.session.completed') return checkoutEvent;
  if (type.startsWith('customer.subscription.')) return subscriptionEvent;
  if (type.startsWith('invoice.')) return invoiceEvent;
  return anyEvent;
}

/** A correctly signed body that is not an event this code can apply answers 400 VALIDATION_ERROR. */
export function checkStripeEventShape(event: Stripe.Event): Stripe.Event {
  const parsed = eventSchema((event as { type?: unknown } | null)?.type).safeParse(event);
  if (!parsed.success) throw validationError(parsed.error);
  return event;
}

export const idOf = (value: unknown): string | null =>
  typeof value === 'string'
    ? value
    : value && typeof value === 'object' && 'id' in value && typeof value.id === 'string'
      ? value.id
      : null;

/**
 * The event's ledger row and all of its effects go to D1 as one batch (one transaction): a
 * redelivery fails on the ledger's primary key and changes nothing; an error leaves no trace, and
 * Stripe's retry applies the event cleanly. At most two round trips: one to read, one to write.
 */
export async function applyStripeEvent(
  deps: WebhookDeps,
  event: Stripe.Event,
): Promise<{ outcome: EventOutcome; outboxIds: string[] }> {
  let plan = await planEvent(deps, event);
  // Not a user's: maybe an organization's (its handling loads only for such events).
  if (plan.outcome === 'unmatched') {
    plan = (await (await import('../orgs/feature')).planOrganizationEvent(deps, event)) ?? plan;
  }
  const audit: Statement[] =
    plan.outcome === 'ignored'
      ? []
      : [
          insertAuditEntryStatement(
            deps.db,
            newId(),
            {
              action: `billing.${event.type}`,
              userId: plan.userId ?? null,
              metadata: {
                event_id: event.id,
                outcome: plan.outcome,
                subscription_id: plan.subscriptionId ?? null,
                ...(plan.organizationId ? { organization_id: plan.organizationId } : {}),
              },
            } satisfies AuditEvent,
            deps.now,
          ),
        ];
  try {
    await runBatch(deps.db, [
      insertStripeEventStatement(deps.db, {
        id: event.id,
        type: event.type,
        created: event.created,
        outcome: plan.outcome,
        now: deps.now,
      }),
      ...plan.statements,
      ...audit,
    ]);
  } catch (err) {
    if (isUniqueViolation(err, 'stripe_events.id')) return { outcome: 'duplicate', outboxIds: [] };
    throw err;
  }
  return { outcome: plan.outcome, outboxIds: plan.outboxIds };
}

function planEvent(deps: WebhookDeps, event: Stripe.Event): Promise<Plan> {
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
      return Promise.resolve({ outcome: 'ignored', statements: [], outboxIds: [] });
  }
}

async function checkoutCompleted(deps: WebhookDeps, session: Stripe.Checkout.Session): Promise<Plan> {
  const customerId = idOf(session.customer);
  const userId = session.client_reference_id ?? session.metadata?.user_id ?? null;
  const [userRows] = await runBatch(deps.db, [findStripeEventUserStatement(deps.db, userId, customerId)]);
  const user = rowsOf<StripeEventUser>(userRows)[0];
  if (!user || !customerId) return { outcome: 'unmatched', statements: [], outboxIds: [] };
  // The customer was stored before checkout; this only fills it in if that write was lost.
  return {
    outcome: 'applied',
    userId: user.id,
    subscriptionId: idOf(session.subscription),
    outboxIds: [],
    statements: [fillStripeCustomerIdStatement(deps.db, user.id, customerId)],
  };
}

/** Newer API versions keep the period on the subscription item, older ones on the subscription. */
export function snapshotOf(subscription: Stripe.Subscription, userId: string): SubscriptionSnapshot {
  const item = subscription.items?.data?.[0] as (Stripe.SubscriptionItem & { current_period_end?: number }) | undefined;
  const legacy = subscription as unknown as { current_period_end?: number };
  const periodEnd = item?.current_period_end ?? legacy.current_period_end ?? null;
  return {
    id: subscription.id,
    userId,
    customerId: idOf(subscription.customer) ?? '',
    status: subscription.status,
    priceId: item?.price?.id ?? null,
    currentPeriodEnd: periodEnd ? new Date(periodEnd * 1000) : null,
    cancelAtPeriodEnd: subscription.cancel_at_period_end === true,
  };
}

async function subscriptionChanged(
  deps: WebhookDeps,
  subscription: Stripe.Subscription,
  event: Stripe.Event,
): Promise<Plan> {
  const customerId = idOf(subscription.customer);
  const [userRows, storedRows] = await runBatch(deps.db, [
    findStripeEventUserStatement(deps.db, subscription.metadata?.user_id ?? null, customerId),
    storedEventTimeStatement(deps.db, subscription.id),
  ]);
  const user = rowsOf<StripeEventUser>(userRows)[0];
  if (!user) return { outcome: 'unmatched', statements: [], outboxIds: [], subscriptionId: subscription.id };
  const stored = rowsOf<{ created: number }>(storedRows)[0];
  // Recorded but not applied; the upsert's own WHERE enforces the same rule inside the batch.
  if (stored && stored.created > event.created) {
    return { outcome: 'stale', statements: [], outboxIds: [], userId: user.id, subscriptionId: subscription.id };
  }
  return {
    outcome: 'applied',
    userId: user.id,
    subscriptionId: subscription.id,
    outboxIds: [],
    statements: [upsertSubscriptionStatement(deps.db, snapshotOf(subscription, user.id), event.created, deps.now)],
  };
}

export function subscriptionIdOfInvoice(invoice: Stripe.Invoice): string | null {
  const parent = (invoice as unknown as { parent?: { subscription_details?: { subscription?: unknown } } }).parent;
  const legacy = (invoice as unknown as { subscription?: unknown }).subscription;
  return idOf(parent?.subscription_details?.subscription) ?? idOf(legacy);
}

/**
 * invoice.paid brings a past-due subscription back to active; invoice.payment_failed marks it
 * past due and emails the user (the email is queued in the same batch).
 */
async function invoiceSettled(
  deps: WebhookDeps,
  invoice: Stripe.Invoice,
  event: Stripe.Event,
  result: 'paid' | 'failed',
): Promise<Plan> {
  const subscriptionId = subscriptionIdOfInvoice(invoice);
  const customerId = idOf(invoice.customer);
  const [userRows, storedRows] = await runBatch(deps.db, [
    findStripeEventUserStatement(deps.db, null, customerId),
    storedEventTimeStatement(deps.db, subscriptionId ?? ''),
  ]);
  const user = rowsOf<StripeEventUser>(userRows)[0];
  if (!user) return { outcome: 'unmatched', statements: [], outboxIds: [], subscriptionId };
  const stored = rowsOf<{ created: number }>(storedRows)[0];
  const stale = stored !== undefined && stored.created > event.created;
  const statements: Statement[] = [];
  const outboxIds: string[] = [];
  if (subscriptionId && !stale) {
    statements.push(
      result === 'paid'
        ? setSubscriptionStatusStatement(deps.db, {
            id: subscriptionId,
            status: 'active',
            from: ['past_due', 'unpaid', 'incomplete'],
            eventCreated: event.created,
            now: deps.now,
          })
        : setSubscriptionStatusStatement(deps.db, {
            id: subscriptionId,
            status: 'past_due',
            from: ['active', 'trialing', 'past_due'],
            eventCreated: event.created,
            now: deps.now,
          }),
    );
  }
  if (result === 'failed') {
    // The user hears about a failed payment even if a newer event already moved the state on.
    const email = queueEmail(deps.db, {
      userId: user.id,
      to: user.email,
      content: paymentFailedEmail({ appUrl: deps.config.appUrl }),
      now: deps.now,
    });
    statements.push(email.statement);
    outboxIds.push(email.id);
  }
  return { outcome: stale ? 'stale' : 'applied', statements, outboxIds, userId: user.id, subscriptionId };
}
