// Billing test helpers: settings pointing at the Stripe fake, signed webhook deliveries, event builders.
import { env } from 'cloudflare:test';
import Stripe from 'stripe';
import type { StripeRequest } from './fakes/stripe-fake';
import { callWithBindings } from './http';

export const WEBHOOK_SECRET = 'whsec_test_liftoff_secret';
export const PRICES = ['price_basic', 'price_pro'];

/** Billing on, against the fake; the secret key namespaces this test's requests at the fake. */
export function billingSettings() {
  return {
    STRIPE_SECRET_KEY: `sk_test_${crypto.randomUUID().replace(/-/g, '')}`,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_PRICE_IDS: PRICES.join(','),
    STRIPE_API_URL: env.TEST_STRIPE_FAKE_URL,
  };
}

export async function stripeRequests(secretKey: string): Promise<StripeRequest[]> {
  return (await fetch(`${env.TEST_STRIPE_FAKE_URL}/__fake/requests?key=${secretKey}`)).json();
}

// Only for signing test payloads; the Worker builds its own client.
const signer = new Stripe('sk_test_signer', { httpClient: Stripe.createFetchHttpClient() });

/** The Stripe-Signature header for `payload`, made by the stripe package's own test helper. */
export function signPayload(payload: string, options: { secret?: string; timestamp?: number } = {}) {
  return signer.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: options.secret ?? WEBHOOK_SECRET,
    timestamp: options.timestamp,
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
}

export async function deliver(
  settings: Record<string, string>,
  payload: string,
  headers: Record<string, string> = {},
  bindings: Record<string, unknown> = {},
) {
  return callWithBindings({ ...settings, ...bindings }, '/api/webhooks/stripe', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': await signPayload(payload), ...headers },
    body: payload,
  });
}

let sequence = 0;
export const stripeId = (prefix: string) =>
  `${prefix}_${Date.now().toString(36)}${(sequence++).toString(36)}${crypto.randomUUID().slice(0, 6)}`;

export function event(type: string, object: Record<string, unknown>, created = Math.floor(Date.now() / 1000)) {
  return {
    id: stripeId('evt'),
    object: 'event',
    api_version: '2026-10-28.endive',
    created,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

export function subscriptionObject(input: {
  id: string;
  customer: string;
  userId?: string;
  status: string;
  price?: string;
  periodEnd?: number;
  cancelAtPeriodEnd?: boolean;
}) {
  return {
    id: input.id,
    object: 'subscription',
    customer: input.customer,
    status: input.status,
    cancel_at_period_end: input.cancelAtPeriodEnd ?? false,
    metadata: input.userId ? { user_id: input.userId } : {},
    items: {
      object: 'list',
      data: [
        {
          id: stripeId('si'),
          object: 'subscription_item',
          current_period_start: (input.periodEnd ?? 1_800_000_000) - 2_592_000,
          current_period_end: input.periodEnd ?? 1_800_000_000,
          price: { id: input.price ?? 'price_pro', object: 'price', recurring: { interval: 'month' } },
          quantity: 1,
        },
      ],
    },
  };
}

export function invoiceObject(input: { customer: string; subscription: string }) {
  return {
    id: stripeId('in'),
    object: 'invoice',
    customer: input.customer,
    status: 'open',
    amount_due: 1900,
    currency: 'usd',
    parent: { type: 'subscription_details', subscription_details: { subscription: input.subscription, metadata: {} } },
  };
}
