// POST /api/webhooks/stripe: verification over the raw body, exactly-once application, ordering, faults.
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ErrorCode } from '../src/error-codes';
import { bearer, countRows, register } from './support/auth';
import {
  billingSettings,
  deliver,
  event,
  invoiceObject,
  signPayload,
  stripeId,
  subscriptionObject,
} from './support/billing';
import { countingD1, failingOnceD1 } from './support/d1';
import { callWithBindings, expectError } from './support/http';
import { TEST_APP_URL } from './support/settings';

afterEach(() => vi.restoreAllMocks());

async function subscriber() {
  const client = await register();
  const customer = stripeId('cus');
  await env.DB.prepare('UPDATE users SET stripe_customer_id = ? WHERE id = ?').bind(customer, client.userId).run();
  return { ...client, customer, subscription: stripeId('sub') };
}

async function subscriptionRow(id: string) {
  return env.DB.prepare(
    'SELECT status, price_id, current_period_end, cancel_at_period_end, last_event_created FROM subscriptions WHERE id = ?',
  )
    .bind(id)
    .first<{
      status: string;
      price_id: string;
      current_period_end: number;
      cancel_at_period_end: number;
      last_event_created: number;
    }>();
}

const ledger = (id: string) =>
  env.DB.prepare('SELECT outcome FROM stripe_events WHERE id = ?').bind(id).first<{ outcome: string }>();

describe('signature verification', () => {
  it('applies a pretty-printed payload with non-ASCII text exactly as signed (raw body)', async () => {
    const user = await subscriber();
    const payload = JSON.stringify(
      event('customer.subscription.created', {
        ...subscriptionObject({
          id: user.subscription,
          customer: user.customer,
          userId: user.userId,
          status: 'active',
        }),
        description: 'Zoë’s café ✓ — 日本語',
      }),
      null,
      2,
    );
    const response = await deliver(billingSettings(), payload);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true });
    expect((await subscriptionRow(user.subscription))?.status).toBe('active');
  });

  it('answers 400 SIGNATURE_MISSING without the header and 400 SIGNATURE_INVALID for forged, stale or altered payloads, changing nothing', async () => {
    const settings = billingSettings();
    const user = await subscriber();
    const body = event(
      'customer.subscription.created',
      subscriptionObject({ id: user.subscription, customer: user.customer, status: 'active' }),
    );
    const payload = JSON.stringify(body);
    const before = await countRows('stripe_events');
    const cases: [Record<string, string>, string, ErrorCode][] = [
      [{ 'Stripe-Signature': '' }, payload, 'SIGNATURE_MISSING'],
      [{ 'Stripe-Signature': await signPayload(payload, { secret: 'whsec_attacker' }) }, payload, 'SIGNATURE_INVALID'],
      [
        { 'Stripe-Signature': await signPayload(payload, { timestamp: Math.floor(Date.now() / 1000) - 301 }) },
        payload,
        'SIGNATURE_INVALID',
      ],
      [
        { 'Stripe-Signature': await signPayload(payload) },
        payload.replace('"active"', '"canceled"'),
        'SIGNATURE_INVALID',
      ],
      [{ 'Stripe-Signature': 't=1,v1=deadbeef' }, payload, 'SIGNATURE_INVALID'],
      [{ 'Stripe-Signature': 'garbage' }, payload, 'SIGNATURE_INVALID'],
    ];
    for (const [headers, sent, code] of cases) {
      const response = await callWithBindings(settings, '/api/webhooks/stripe', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: sent,
      });
      await expectError(response, 400, code);
    }
    const missingHeader = await callWithBindings(settings, '/api/webhooks/stripe', { method: 'POST', body: payload });
    await expectError(missingHeader, 400, 'SIGNATURE_MISSING');
    expect(await countRows('stripe_events')).toBe(before);
    expect(await subscriptionRow(user.subscription)).toBeNull();
  });

  it.each([
    ['{}', '{}'],
    ['null', 'null'],
    ['an array', '[]'],
    ['a string', '"evt"'],
    ['an id only', '{"id":"evt_x"}'],
    ['no data', JSON.stringify({ id: 'evt_nodata', object: 'event', type: 'invoice.paid', created: 1 })],
    [
      'a subscription event whose object is empty',
      JSON.stringify({ ...event('customer.subscription.updated', {}), id: 'evt_emptysub' }),
    ],
    [
      'a subscription without a status',
      JSON.stringify(
        event('customer.subscription.created', { id: 'sub_x', object: 'subscription', customer: 'cus_x' }),
      ),
    ],
    [
      'a subscription whose metadata user_id is an object',
      JSON.stringify(
        event('customer.subscription.created', {
          ...subscriptionObject({ id: 'sub_m', customer: 'cus_m', status: 'active' }),
          metadata: { user_id: { a: 1 } },
        }),
      ),
    ],
    [
      'a subscription whose price id is an object',
      JSON.stringify(
        event('customer.subscription.updated', {
          ...subscriptionObject({ id: 'sub_p', customer: 'cus_p', status: 'active' }),
          items: { data: [{ price: { id: { x: 1 } } }] },
        }),
      ),
    ],
    [
      'a checkout whose client_reference_id is an object',
      JSON.stringify(
        event('checkout.session.completed', {
          id: 'cs_x',
          object: 'checkout.session',
          customer: 'cus_c',
          client_reference_id: { a: 1 },
        }),
      ),
    ],
    [
      'a checkout whose client_reference_id is an array',
      JSON.stringify(
        event('checkout.session.completed', {
          id: 'cs_y',
          object: 'checkout.session',
          customer: 'cus_c',
          client_reference_id: ['u'],
        }),
      ),
    ],
    [
      'a checkout whose metadata user_id is an object',
      JSON.stringify(
        event('checkout.session.completed', {
          id: 'cs_z',
          object: 'checkout.session',
          customer: 'cus_c',
          metadata: { user_id: {} },
        }),
      ),
    ],
    [
      'an invoice whose customer is a number',
      JSON.stringify(event('invoice.payment_failed', { id: 'in_x', object: 'invoice', customer: 42 })),
    ],
  ])(
    'answers 400 VALIDATION_ERROR to a correctly signed body that is not an event (%s), changing nothing',
    async (_label, payload) => {
      const before = await Promise.all([
        countRows('stripe_events'),
        countRows('subscriptions'),
        countRows('audit_log'),
      ]);
      const response = await deliver(billingSettings(), payload);
      await expectError(response, 400, 'VALIDATION_ERROR');
      expect(
        await Promise.all([countRows('stripe_events'), countRows('subscriptions'), countRows('audit_log')]),
      ).toEqual(before);
    },
  );

  it('has no CORS, even for an allowed origin, and takes bodies of any content type unparsed', async () => {
    const payload = JSON.stringify(event('customer.created', { id: stripeId('cus'), object: 'customer' }));
    const response = await deliver(billingSettings(), payload, { Origin: TEST_APP_URL, 'Content-Type': 'text/plain' });
    expect(response.status).toBe(200);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('refuses bodies over 512 KiB with 413', async () => {
    const payload = JSON.stringify(event('customer.created', { id: 'cus_x', padding: 'x'.repeat(600 * 1024) }));
    const response = await deliver(billingSettings(), payload);
    await expectError(response, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 503 BILLING_NOT_CONFIGURED when Stripe is off', async () => {
    const payload = JSON.stringify(event('customer.created', { id: 'cus_x' }));
    const response = await callWithBindings({}, '/api/webhooks/stripe', {
      method: 'POST',
      headers: { 'Stripe-Signature': await signPayload(payload) },
      body: payload,
    });
    await expectError(response, 503, 'BILLING_NOT_CONFIGURED');
  });
});

describe('exactly once', () => {
  it('answers a redelivery 200 and changes nothing', async () => {
    const user = await subscriber();
    const payload = JSON.stringify(
      event(
        'customer.subscription.created',
        subscriptionObject({ id: user.subscription, customer: user.customer, status: 'active' }),
      ),
    );
    const settings = billingSettings();
    expect((await deliver(settings, payload)).status).toBe(200);
    await env.DB.prepare("UPDATE subscriptions SET status = 'marker' WHERE id = ?").bind(user.subscription).run();
    expect((await deliver(settings, payload)).status).toBe(200);
    expect((await subscriptionRow(user.subscription))?.status).toBe('marker');
    expect(
      await countRows('audit_log', "user_id = ? AND action = 'billing.customer.subscription.created'", user.userId),
    ).toBe(1);
  });

  it('applies one of 20 concurrent deliveries of an event, once', async () => {
    const user = await subscriber();
    const body = event(
      'invoice.payment_failed',
      invoiceObject({ customer: user.customer, subscription: user.subscription }),
    );
    const payload = JSON.stringify(body);
    const settings = billingSettings();
    const responses = await Promise.all(Array.from({ length: 20 }, () => deliver(settings, payload)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(await countRows('stripe_events', 'id = ?', body.id)).toBe(1);
    expect(await countRows('email_outbox', "user_id = ? AND template = 'payment_failed'", user.userId)).toBe(1);
    expect(await countRows('audit_log', "user_id = ? AND action = 'billing.invoice.payment_failed'", user.userId)).toBe(
      1,
    );
  });

  it('answers 500 when applying fails, leaves no trace, and applies cleanly on the retry', async () => {
    const user = await subscriber();
    const body = event(
      'customer.subscription.created',
      subscriptionObject({ id: user.subscription, customer: user.customer, status: 'active' }),
    );
    const payload = JSON.stringify(body);
    const settings = billingSettings();
    // D1 fails the write batch once, as a database outage would.
    const flakyDb = failingOnceD1(env.DB, (statements) => statements.length > 2);
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const failedResponse = await deliver(settings, payload, {}, { DB: flakyDb });
    await expectError(failedResponse, 500, 'INTERNAL_ERROR');
    expect(await ledger(body.id)).toBeNull();
    expect(await subscriptionRow(user.subscription)).toBeNull();
    expect(await countRows('audit_log', 'user_id = ? AND action LIKE ?', user.userId, 'billing.%')).toBe(0);

    const retry = await deliver(settings, payload);
    expect(retry.status).toBe(200);
    expect((await ledger(body.id))?.outcome).toBe('applied');
    expect((await subscriptionRow(user.subscription))?.status).toBe('active');
  });
});

describe('ordering and effects', () => {
  it("never rolls a subscription back to an older event's state", async () => {
    const user = await subscriber();
    const settings = billingSettings();
    const t = Math.floor(Date.now() / 1000);
    const newer = event(
      'customer.subscription.updated',
      subscriptionObject({ id: user.subscription, customer: user.customer, status: 'active', price: 'price_pro' }),
      t + 10,
    );
    const older = event(
      'customer.subscription.updated',
      subscriptionObject({ id: user.subscription, customer: user.customer, status: 'past_due', price: 'price_basic' }),
      t,
    );
    expect((await deliver(settings, JSON.stringify(newer))).status).toBe(200);
    expect((await deliver(settings, JSON.stringify(older))).status).toBe(200);
    expect(await subscriptionRow(user.subscription)).toMatchObject({
      status: 'active',
      price_id: 'price_pro',
      last_event_created: t + 10,
    });
    expect((await ledger(older.id))?.outcome).toBe('stale');
    // A stale invoice event doesn't move the status either.
    const staleFailure = event(
      'invoice.payment_failed',
      invoiceObject({ customer: user.customer, subscription: user.subscription }),
      t + 5,
    );
    await deliver(settings, JSON.stringify(staleFailure));
    expect((await subscriptionRow(user.subscription))?.status).toBe('active');
  });

  it('tracks a subscription through its life: created, payment failed (email), paid, cancelled', async () => {
    const user = await subscriber();
    const settings = billingSettings();
    const t = Math.floor(Date.now() / 1000);
    const sub = (status: string, extra: { cancelAtPeriodEnd?: boolean } = {}) =>
      subscriptionObject({
        id: user.subscription,
        customer: user.customer,
        status,
        price: 'price_basic',
        periodEnd: 1_900_000_000,
        ...extra,
      });
    await deliver(settings, JSON.stringify(event('customer.subscription.created', sub('active'), t)));
    const summary = async () =>
      (await callWithBindings(settings, '/api/billing/subscription', { headers: bearer(user.accessToken) })).json<{
        status: string;
      }>();
    expect(await summary()).toEqual({
      status: 'active',
      price_id: 'price_basic',
      current_period_end: new Date(1_900_000_000 * 1000).toISOString(),
      cancel_at_period_end: false,
    });

    await deliver(
      settings,
      JSON.stringify(
        event(
          'invoice.payment_failed',
          invoiceObject({ customer: user.customer, subscription: user.subscription }),
          t + 1,
        ),
      ),
    );
    expect((await subscriptionRow(user.subscription))?.status).toBe('past_due');
    const [mail] = (
      await env.DB.prepare(
        "SELECT subject, text_body FROM email_outbox WHERE user_id = ? AND template = 'payment_failed'",
      )
        .bind(user.userId)
        .all<{ subject: string; text_body: string }>()
    ).results;
    expect(mail?.subject).toBe('Your payment failed');
    expect(mail?.text_body).toContain(`${TEST_APP_URL}/billing`);

    await deliver(
      settings,
      JSON.stringify(
        event('invoice.paid', invoiceObject({ customer: user.customer, subscription: user.subscription }), t + 2),
      ),
    );
    expect((await subscriptionRow(user.subscription))?.status).toBe('active');

    await deliver(
      settings,
      JSON.stringify(event('customer.subscription.updated', sub('active', { cancelAtPeriodEnd: true }), t + 3)),
    );
    expect((await subscriptionRow(user.subscription))?.cancel_at_period_end).toBe(1);
    await deliver(settings, JSON.stringify(event('customer.subscription.deleted', sub('canceled'), t + 4)));
    expect((await summary()).status).toBe('canceled');
    const me = await (
      await callWithBindings(settings, '/api/me', { headers: bearer(user.accessToken) })
    ).json<{ subscription: { status: string } }>();
    expect(me.subscription.status).toBe('canceled');
  });

  it('fills in the customer from checkout.session.completed when it was not stored', async () => {
    const client = await register();
    const customer = stripeId('cus');
    const payload = JSON.stringify(
      event('checkout.session.completed', {
        id: stripeId('cs_test'),
        object: 'checkout.session',
        mode: 'subscription',
        customer,
        client_reference_id: client.userId,
        subscription: stripeId('sub'),
        metadata: { user_id: client.userId },
      }),
    );
    expect((await deliver(billingSettings(), payload)).status).toBe(200);
    expect(await countRows('users', 'id = ? AND stripe_customer_id = ?', client.userId, customer)).toBe(1);
  });

  it('records events about unknown customers and unknown types, and answers 200', async () => {
    const settings = billingSettings();
    const unmatched = event(
      'customer.subscription.updated',
      subscriptionObject({ id: stripeId('sub'), customer: stripeId('cus'), status: 'active' }),
    );
    expect((await deliver(settings, JSON.stringify(unmatched))).status).toBe(200);
    expect((await ledger(unmatched.id))?.outcome).toBe('unmatched');
    const unknown = event('charge.dispute.created', { id: stripeId('dp'), object: 'dispute' });
    expect((await deliver(settings, JSON.stringify(unknown))).status).toBe(200);
    expect((await ledger(unknown.id))?.outcome).toBe('ignored');
  });

  it('applies a webhook in at most two D1 round trips', async () => {
    const user = await subscriber();
    const { db, counts } = countingD1(env.DB);
    const payload = JSON.stringify(
      event(
        'customer.subscription.created',
        subscriptionObject({ id: user.subscription, customer: user.customer, status: 'active' }),
      ),
    );
    const response = await deliver(billingSettings(), payload, {}, { DB: db });
    expect(response.status).toBe(200);
    expect(counts.roundTrips).toBeLessThanOrEqual(2);
  });
});
