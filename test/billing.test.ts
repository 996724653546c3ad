// Checkout, portal, subscription state and the paid-feature guard, against a local Stripe fake.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { storeStripeCustomerId } from '../src/db/billing';
import { createDatabase } from '../src/db/client';
import { bearer, countRows, deleteMe, register, STRONG_PASSWORD } from './support/auth';
import { billingSettings, deliver, event, stripeId, stripeRequests, subscriptionObject } from './support/billing';
import { call, callWithBindings, expectError } from './support/http';
import { TEST_APP_URL } from './support/settings';

function post(settings: Record<string, string>, path: string, accessToken: string, body?: unknown) {
  return callWithBindings(settings, path, {
    method: 'POST',
    headers: { ...bearer(accessToken), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function activate(settings: Record<string, string>, userId: string, status = 'active') {
  const customer =
    (
      await env.DB.prepare('SELECT stripe_customer_id AS c FROM users WHERE id = ?')
        .bind(userId)
        .first<{ c: string | null }>()
    )?.c ?? stripeId('cus');
  const subscription = stripeId('sub');
  await deliver(
    settings,
    JSON.stringify(
      event('customer.subscription.created', subscriptionObject({ id: subscription, customer, userId, status })),
    ),
  );
  return subscription;
}

describe('POST /api/billing/checkout', () => {
  it('creates the customer once (user id in metadata, idempotency key), then a subscription Checkout', async () => {
    const settings = billingSettings();
    const client = await register();
    const response = await post(settings, '/api/billing/checkout', client.accessToken, { price_id: 'price_pro' });
    expect(response.status).toBe(200);
    const { url } = await response.json<{ url: string }>();
    expect(url).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);

    const requests = await stripeRequests(settings.STRIPE_SECRET_KEY);
    const customer = requests.find((r) => r.path === '/v1/customers')!;
    expect(customer.params).toMatchObject({ email: client.email, 'metadata[user_id]': client.userId });
    expect(customer.idempotencyKey).toBe(`liftoff-customer-${client.userId}`);
    const checkout = requests.find((r) => r.path === '/v1/checkout/sessions')!;
    expect(checkout.params).toMatchObject({
      mode: 'subscription',
      'line_items[0][price]': 'price_pro',
      'line_items[0][quantity]': '1',
      client_reference_id: client.userId,
      'metadata[user_id]': client.userId,
      'subscription_data[metadata][user_id]': client.userId,
      success_url: `${TEST_APP_URL}/billing/success?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${TEST_APP_URL}/billing/cancel`,
    });
    const stored = await env.DB.prepare('SELECT stripe_customer_id AS c FROM users WHERE id = ?')
      .bind(client.userId)
      .first<{ c: string }>();
    expect(checkout.params.customer).toBe(stored?.c);

    // A second checkout reuses the stored customer.
    await post(settings, '/api/billing/checkout', client.accessToken, { price_id: 'price_basic' });
    expect((await stripeRequests(settings.STRIPE_SECRET_KEY)).filter((r) => r.path === '/v1/customers')).toHaveLength(
      1,
    );
  });

  it('creates exactly one customer under two concurrent first checkouts', async () => {
    const settings = billingSettings();
    const client = await register();
    const responses = await Promise.all([
      post(settings, '/api/billing/checkout', client.accessToken, { price_id: 'price_pro' }),
      post(settings, '/api/billing/checkout', client.accessToken, { price_id: 'price_pro' }),
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    const requests = await stripeRequests(settings.STRIPE_SECRET_KEY);
    const customerIds = new Set(
      requests.filter((r) => r.path === '/v1/checkout/sessions').map((r) => r.params.customer),
    );
    expect(customerIds.size).toBe(1);
    const stored = await env.DB.prepare('SELECT stripe_customer_id AS c FROM users WHERE id = ?')
      .bind(client.userId)
      .first<{ c: string }>();
    expect(customerIds.has(stored!.c)).toBe(true);
  });

  it('answers 400 PRICE_NOT_ALLOWED for a price outside STRIPE_PRICE_IDS, calling Stripe for nothing', async () => {
    const settings = billingSettings();
    const client = await register();
    const response = await post(settings, '/api/billing/checkout', client.accessToken, {
      price_id: 'price_free_money',
    });
    await expectError(response, 400, 'PRICE_NOT_ALLOWED');
    expect(await stripeRequests(settings.STRIPE_SECRET_KEY)).toHaveLength(0);
  });

  it.each([[{}], [{ price_id: 5 }], [{ price_id: '' }]])('answers 400 VALIDATION_ERROR for %j', async (body) => {
    const client = await register();
    const response = await post(billingSettings(), '/api/billing/checkout', client.accessToken, body);
    await expectError(response, 400, 'VALIDATION_ERROR');
  });

  it('answers 409 ALREADY_SUBSCRIBED while a subscription is live', async () => {
    const settings = billingSettings();
    const client = await register();
    await activate(settings, client.userId, 'past_due');
    const response = await post(settings, '/api/billing/checkout', client.accessToken, { price_id: 'price_pro' });
    await expectError(response, 409, 'ALREADY_SUBSCRIBED');
  });

  it('lists the plans a checkout accepts, in the order of STRIPE_PRICE_IDS; none without billing', async () => {
    const settings = billingSettings();
    const response = await callWithBindings(settings, '/api/billing/plans');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      plans: settings.STRIPE_PRICE_IDS.split(',').map((price_id) => ({ price_id })),
    });
    expect(await (await call('/api/billing/plans')).json()).toEqual({ plans: [] });
  });

  it('answers 503 BILLING_NOT_CONFIGURED without Stripe settings, and 401 without a token', async () => {
    const client = await register();
    const response = await call('/api/billing/checkout', {
      method: 'POST',
      headers: { ...bearer(client.accessToken), 'Content-Type': 'application/json' },
      body: JSON.stringify({ price_id: 'price_pro' }),
    });
    await expectError(response, 503, 'BILLING_NOT_CONFIGURED');
    expect((await call('/api/billing/checkout', { method: 'POST' })).status).toBe(401);
  });
});

describe('POST /api/billing/portal', () => {
  it('answers 409 NO_BILLING_ACCOUNT before the first checkout, then a portal URL returning to APP_URL/billing', async () => {
    const settings = billingSettings();
    const client = await register();
    const none = await post(settings, '/api/billing/portal', client.accessToken);
    await expectError(none, 409, 'NO_BILLING_ACCOUNT');
    await post(settings, '/api/billing/checkout', client.accessToken, { price_id: 'price_pro' });
    const response = await post(settings, '/api/billing/portal', client.accessToken);
    expect(response.status).toBe(200);
    expect((await response.json<{ url: string }>()).url).toMatch(/^https:\/\/billing\.stripe\.com\//);
    const portal = (await stripeRequests(settings.STRIPE_SECRET_KEY)).find(
      (r) => r.path === '/v1/billing_portal/sessions',
    )!;
    expect(portal.params.return_url).toBe(`${TEST_APP_URL}/billing`);
  });
});

describe('a disabled user', () => {
  it('cannot open the portal, start a checkout or read the subscription with a token from before the disable; Stripe hears nothing', async () => {
    const settings = billingSettings();
    const client = await register();
    await post(settings, '/api/billing/checkout', client.accessToken, { price_id: 'price_pro' });
    const before = (await stripeRequests(settings.STRIPE_SECRET_KEY)).length;
    await env.DB.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').bind(Date.now(), client.userId).run();
    const attempts = [
      () => post(settings, '/api/billing/portal', client.accessToken),
      () => post(settings, '/api/billing/checkout', client.accessToken, { price_id: 'price_basic' }),
      () => callWithBindings(settings, '/api/billing/subscription', { headers: bearer(client.accessToken) }),
    ];
    for (const attempt of attempts) {
      const response = await attempt();
      await expectError(response, 401, 'TOKEN_INVALID');
    }
    expect(await stripeRequests(settings.STRIPE_SECRET_KEY)).toHaveLength(before);
  });
});

describe('subscription state and the paid-feature guard', () => {
  it('shows {status: "none"} until a subscription exists, in /billing/subscription and /me', async () => {
    const client = await register();
    expect(await (await call('/api/billing/subscription', { headers: bearer(client.accessToken) })).json()).toEqual({
      status: 'none',
    });
    expect(
      (await (await call('/api/me', { headers: bearer(client.accessToken) })).json<{ subscription: unknown }>())
        .subscription,
    ).toEqual({ status: 'none' });
  });

  it('answers 402 SUBSCRIPTION_REQUIRED without an active subscription and 200 with one', async () => {
    const settings = billingSettings();
    const client = await register();
    const denied = await call('/api/examples/paid', { headers: bearer(client.accessToken) });
    await expectError(denied, 402, 'SUBSCRIPTION_REQUIRED');
    await activate(settings, client.userId, 'past_due');
    expect((await call('/api/examples/paid', { headers: bearer(client.accessToken) })).status).toBe(402);
    await activate(settings, client.userId, 'trialing');
    expect((await call('/api/examples/paid', { headers: bearer(client.accessToken) })).status).toBe(200);
    expect((await call('/api/examples/paid')).status).toBe(401);
  });
});

describe('account deletion with a subscription', () => {
  it('cancels the subscription at Stripe before deleting the account', async () => {
    const settings = billingSettings();
    const client = await register();
    await post(settings, '/api/billing/checkout', client.accessToken, { price_id: 'price_pro' });
    const subscription = await activate(settings, client.userId);
    const response = await deleteMe(client.accessToken, { password: STRONG_PASSWORD }, settings);
    expect(response.status).toBe(204);
    const cancels = (await stripeRequests(settings.STRIPE_SECRET_KEY)).filter((r) => r.method === 'DELETE');
    expect(cancels.map((r) => r.path)).toEqual([`/v1/subscriptions/${subscription}`]);
    expect(await countRows('users', 'id = ?', client.userId)).toBe(0);
    expect(await countRows('subscriptions', 'id = ?', subscription)).toBe(0);
  });

  it('deletes nothing (503) when the account has a subscription and billing is not configured', async () => {
    const client = await register();
    await activate(billingSettings(), client.userId);
    const response = await deleteMe(client.accessToken, { password: STRONG_PASSWORD });
    await expectError(response, 503, 'BILLING_NOT_CONFIGURED');
    expect(await countRows('users', 'id = ?', client.userId)).toBe(1);
    expect(await countRows('subscriptions', 'user_id = ?', client.userId)).toBe(1);
  });

  it('deletes nothing when the subscription cannot be cancelled', async () => {
    const settings = { ...billingSettings(), STRIPE_SECRET_KEY: `sk_test_outage_${crypto.randomUUID()}` };
    const client = await register();
    await activate(billingSettings(), client.userId);
    const response = await deleteMe(client.accessToken, { password: STRONG_PASSWORD }, settings);
    await expectError(response, 502, 'BILLING_UNAVAILABLE');
    expect(await countRows('users', 'id = ?', client.userId)).toBe(1);
  });
});

describe('storeStripeCustomerId', () => {
  it('keeps the first customer id stored and answers it to a later writer', async () => {
    const { userId } = await register();
    const db = createDatabase(env);
    expect(await storeStripeCustomerId(db, userId, 'cus_first')).toBe('cus_first');
    expect(await storeStripeCustomerId(db, userId, 'cus_second')).toBe('cus_first');
    expect(await storeStripeCustomerId(db, 'no-such-user', 'cus_third')).toBeNull();
  });
});
