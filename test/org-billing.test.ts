// Billing per organization, through the real Worker and the Stripe fake: checkout and portal for
// owners, the seat count (quantity = members on a STRIPE_SEAT_PRICE_IDS price) pushed after each
// membership change with an idempotency key, retried by the cron job after a Stripe failure,
// converging under concurrent joins and reconciled from webhooks; requireSubscription in the
// organization's context; deleting an organization (or its last member's account) cancels first.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../src/index';
import { bearer, countRows, register, STRONG_PASSWORD, type SignedInClient } from './support/auth';
import { billingSettings, deliver, event, stripeId, stripeRequests, subscriptionObject } from './support/billing';
import { callWithBindings, expectError } from './support/http';
import { orgCall as orgRequest } from './support/orgs';

type Settings = ReturnType<typeof seatSettings>;

function seatSettings() {
  return { ...billingSettings(), STRIPE_SEAT_PRICE_IDS: 'price_pro' };
}

const orgCall = (
  settings: Record<string, string>,
  client: SignedInClient | null,
  method: string,
  path: string,
  body?: unknown,
) => orgRequest(client, method, path, body, settings);

async function addMember(orgId: string, client: SignedInClient, role = 'member') {
  await env.DB.prepare('INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (?, ?, ?, ?)')
    .bind(orgId, client.userId, role, Date.now())
    .run();
}

/** An organization with an owner, an admin and a member (3 seats), not subscribed yet. */
async function team(settings: Settings) {
  const [owner, admin, member, outsider] = await Promise.all([register(), register(), register(), register()]);
  await env.DB.prepare('UPDATE users SET email_verified_at = ? WHERE id = ?').bind(Date.now(), owner.userId).run();
  const response = await orgCall(settings, owner, 'POST', '', { name: 'Seats Inc' });
  expect(response.status).toBe(201);
  const org = await response.json<{ id: string }>();
  await addMember(org.id, admin, 'admin');
  await addMember(org.id, member);
  // Members added behind the API's back: record the count as a membership change would.
  await env.DB.prepare('UPDATE organizations SET seats_desired = 3 WHERE id = ?').bind(org.id).run();
  return { org, owner, admin, member, outsider };
}

const fakeQuantity = async (settings: Settings, subscriptionId: string) =>
  (
    await (
      await fetch(`${env.TEST_STRIPE_FAKE_URL}/__fake/quantity?key=${settings.STRIPE_SECRET_KEY}&id=${subscriptionId}`)
    ).json<{ quantity: number | null }>()
  ).quantity;

const failNext = (settings: Settings, count: number) =>
  fetch(`${env.TEST_STRIPE_FAKE_URL}/__fake/fail-next?key=${settings.STRIPE_SECRET_KEY}&count=${count}`, {
    method: 'POST',
  });

/** The organization subscribed (as Stripe's webhook says) on `price` with `quantity` seats. */
async function subscribe(
  settings: Settings,
  orgId: string,
  input: { quantity: number; price?: string; created?: number },
) {
  const customer = stripeId('cus');
  await env.DB.prepare('UPDATE organizations SET stripe_customer_id = ? WHERE id = ?').bind(customer, orgId).run();
  const subscriptionId = stripeId('sub');
  const itemId = stripeId('si');
  const object = subscriptionObject({
    id: subscriptionId,
    customer,
    status: 'active',
    price: input.price ?? 'price_pro',
  });
  const payload = (type: string, quantity: number, created?: number) =>
    JSON.stringify(
      event(
        type,
        {
          ...object,
          metadata: { organization_id: orgId },
          items: { ...object.items, data: [{ ...object.items.data[0], id: itemId, quantity }] },
        },
        created,
      ),
    );
  const response = await deliver(settings, payload('customer.subscription.created', input.quantity, input.created));
  expect(response.status).toBe(200);
  return { customer, subscriptionId, itemId, payload };
}

async function runCron(settings: Settings) {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ scheduledTime: Date.now(), cron: '*/5 * * * *' }),
    { ...env, ...settings } as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

async function seatRow(orgId: string) {
  return env.DB.prepare(
    'SELECT seats_desired, seats_version, seats_synced_version, seat_sync_attempts, seat_sync_next_at FROM organizations WHERE id = ?',
  )
    .bind(orgId)
    .first<{
      seats_desired: number;
      seats_version: number;
      seats_synced_version: number;
      seat_sync_attempts: number;
      seat_sync_next_at: number | null;
    }>();
}

/** Invites `client`'s (verified) address and accepts as them. */
async function join(settings: Settings, inviter: SignedInClient, orgId: string, client: SignedInClient) {
  await env.DB.prepare('UPDATE users SET email_verified_at = ? WHERE id = ?').bind(Date.now(), client.userId).run();
  const invited = await orgCall(settings, inviter, 'POST', `/${orgId}/invitations`, { email: client.email });
  expect(invited.status).toBe(201);
  const row = await env.DB.prepare(
    "SELECT text_body FROM email_outbox WHERE to_address = ? AND template = 'org_invitation' ORDER BY created_at DESC LIMIT 1",
  )
    .bind(client.email)
    .first<{ text_body: string }>();
  const token = decodeURIComponent(/token=([^\s]+)/.exec(row!.text_body)![1]!);
  return orgCall(settings, client, 'POST', '/invitations/accept', { token });
}

describe('POST /api/orgs/{id}/billing/checkout and /portal', () => {
  it('lets owners check out: per seat, the quantity is the member count; otherwise 1', async () => {
    const settings = seatSettings();
    const { org, owner, admin, member, outsider } = await team(settings);
    const response = await orgCall(settings, owner, 'POST', `/${org.id}/billing/checkout`, { price_id: 'price_pro' });
    expect(response.status).toBe(200);
    expect((await response.json<{ url: string }>()).url).toMatch(/^https:\/\/checkout\.stripe\.com\//);
    const requests = await stripeRequests(settings.STRIPE_SECRET_KEY);
    const customer = requests.find((r) => r.path === '/v1/customers')!;
    expect(customer.params['metadata[organization_id]']).toBe(org.id);
    expect(customer.idempotencyKey).toBe(`liftoff-org-customer-${org.id}`);
    const checkout = requests.find((r) => r.path === '/v1/checkout/sessions')!;
    expect(checkout.params).toMatchObject({
      'line_items[0][price]': 'price_pro',
      'line_items[0][quantity]': '3',
      'subscription_data[metadata][organization_id]': org.id,
      client_reference_id: `org_${org.id}`,
    });
    const flat = await orgCall(settings, owner, 'POST', `/${org.id}/billing/checkout`, { price_id: 'price_basic' });
    expect(flat.status).toBe(200);
    const flatCheckout = (await stripeRequests(settings.STRIPE_SECRET_KEY)).filter(
      (r) => r.path === '/v1/checkout/sessions',
    )[1]!;
    expect(flatCheckout.params['line_items[0][quantity]']).toBe('1');
    // One customer for the organization, reused.
    expect((await stripeRequests(settings.STRIPE_SECRET_KEY)).filter((r) => r.path === '/v1/customers')).toHaveLength(
      1,
    );

    const body = { price_id: 'price_pro' };
    await expectError(
      await orgCall(settings, admin, 'POST', `/${org.id}/billing/checkout`, body),
      403,
      'ORG_ROLE_REQUIRED',
    );
    await expectError(
      await orgCall(settings, member, 'POST', `/${org.id}/billing/checkout`, body),
      403,
      'ORG_ROLE_REQUIRED',
    );
    await expectError(await orgCall(settings, outsider, 'POST', `/${org.id}/billing/checkout`, body), 404, 'NOT_FOUND');
    await expectError(
      await orgCall(settings, null, 'POST', `/${org.id}/billing/checkout`, body),
      401,
      'AUTH_HEADER_MISSING',
    );
    await expectError(
      await orgCall(settings, owner, 'POST', `/${org.id}/billing/checkout`, { price_id: 'price_other' }),
      400,
      'PRICE_NOT_ALLOWED',
    );
    for (const bad of [{}, { price_id: 5 }, { price_id: 'price_pro', extra: 1 }]) {
      await expectError(
        await orgCall(settings, owner, 'POST', `/${org.id}/billing/checkout`, bad),
        400,
        'VALIDATION_ERROR',
      );
    }
    await expectError(
      await orgCall({}, owner, 'POST', `/${org.id}/billing/checkout`, body),
      503,
      'BILLING_NOT_CONFIGURED',
    );

    await subscribe(settings, org.id, { quantity: 3 });
    await expectError(
      await orgCall(settings, owner, 'POST', `/${org.id}/billing/checkout`, body),
      409,
      'ALREADY_SUBSCRIBED',
    );
  });

  it('opens the portal for owners once the organization is a customer', async () => {
    const settings = seatSettings();
    const { org, owner, member } = await team(settings);
    await expectError(await orgCall(settings, owner, 'POST', `/${org.id}/billing/portal`), 409, 'NO_BILLING_ACCOUNT');
    const { customer } = await subscribe(settings, org.id, { quantity: 3 });
    const response = await orgCall(settings, owner, 'POST', `/${org.id}/billing/portal`);
    expect(response.status).toBe(200);
    const portal = (await stripeRequests(settings.STRIPE_SECRET_KEY)).find(
      (r) => r.path === '/v1/billing_portal/sessions',
    )!;
    expect(portal.params.customer).toBe(customer);
    await expectError(await orgCall(settings, member, 'POST', `/${org.id}/billing/portal`), 403, 'ORG_ROLE_REQUIRED');
  });

  it("shows members the organization's subscription and seats", async () => {
    const settings = seatSettings();
    const { org, member, outsider } = await team(settings);
    const before = await (await orgCall(settings, member, 'GET', `/${org.id}/billing`)).json();
    expect(before).toEqual({
      subscription: { status: 'none' },
      seats: { per_seat: false, members: 3, billed: null, in_sync: true },
    });
    await subscribe(settings, org.id, { quantity: 3 });
    const after = await (await orgCall(settings, member, 'GET', `/${org.id}/billing`)).json();
    expect(after).toMatchObject({
      subscription: { status: 'active', price_id: 'price_pro' },
      seats: { per_seat: true, members: 3, billed: 3, in_sync: true },
    });
    await expectError(await orgCall(settings, outsider, 'GET', `/${org.id}/billing`), 404, 'NOT_FOUND');
  });
});

describe('seats', () => {
  it('pushes the member count to Stripe after a join, a removal and a departure, with proration and an idempotency key', async () => {
    const settings = seatSettings();
    const { org, owner, member } = await team(settings);
    const { subscriptionId, itemId } = await subscribe(settings, org.id, { quantity: 3 });
    const newcomer = await register();
    expect((await join(settings, owner, org.id, newcomer)).status).toBe(200);
    expect(await fakeQuantity(settings, subscriptionId)).toBe(4);
    const update = (await stripeRequests(settings.STRIPE_SECRET_KEY)).find(
      (r) => r.path === `/v1/subscriptions/${subscriptionId}`,
    )!;
    expect(update.params).toMatchObject({
      'items[0][id]': itemId,
      'items[0][quantity]': '4',
      proration_behavior: 'create_prorations',
    });
    const row = await seatRow(org.id);
    expect(update.idempotencyKey).toBe(`liftoff-seats-${org.id}-${row!.seats_version}-0`);
    expect(row).toMatchObject({ seats_desired: 4, seat_sync_next_at: null });
    expect(row!.seats_synced_version).toBe(row!.seats_version);

    expect((await orgCall(settings, owner, 'DELETE', `/${org.id}/members/${newcomer.userId}`)).status).toBe(204);
    expect(await fakeQuantity(settings, subscriptionId)).toBe(3);
    expect((await orgCall(settings, member, 'POST', `/${org.id}/leave`)).status).toBe(204);
    expect(await fakeQuantity(settings, subscriptionId)).toBe(2);
    // A refused removal records nothing.
    const version = (await seatRow(org.id))!.seats_version;
    await expectError(await orgCall(settings, member, 'POST', `/${org.id}/leave`), 404, 'NOT_FOUND');
    expect((await seatRow(org.id))!.seats_version).toBe(version);
  });

  it('keeps the count when Stripe fails, and the cron job pushes it later with backoff and a new key', async () => {
    const settings = seatSettings();
    const { org, owner } = await team(settings);
    const { subscriptionId } = await subscribe(settings, org.id, { quantity: 3 });
    await failNext(settings, 10);
    const newcomer = await register();
    const joined = await join(settings, owner, org.id, newcomer);
    expect(joined.status).toBe(200); // the member is in; the seat waits
    expect(await fakeQuantity(settings, subscriptionId)).toBeNull();
    const failed = await seatRow(org.id);
    expect(failed).toMatchObject({ seats_desired: 4, seat_sync_attempts: 1 });
    expect(failed!.seats_synced_version).toBeLessThan(failed!.seats_version);
    // Backoff: the first retry a minute later.
    expect(failed!.seat_sync_next_at! - Date.now()).toBeGreaterThan(50_000);
    expect(failed!.seat_sync_next_at! - Date.now()).toBeLessThanOrEqual(60_000);

    await runCron(settings); // not due yet: nothing is sent
    expect(await fakeQuantity(settings, subscriptionId)).toBeNull();
    // A minute later, with Stripe still down, then back up.
    await env.DB.prepare('UPDATE organizations SET seat_sync_next_at = ? WHERE id = ?')
      .bind(Date.now() - 1, org.id)
      .run();
    await runCron(settings);
    expect((await seatRow(org.id))!.seat_sync_attempts).toBe(2);
    await failNext(settings, 0);
    await env.DB.prepare('UPDATE organizations SET seat_sync_next_at = ? WHERE id = ?')
      .bind(Date.now() - 1, org.id)
      .run();
    await runCron(settings);
    expect(await fakeQuantity(settings, subscriptionId)).toBe(4);
    const synced = await seatRow(org.id);
    expect(synced).toMatchObject({ seat_sync_attempts: 0, seat_sync_next_at: null });
    expect(synced!.seats_synced_version).toBe(synced!.seats_version);
    const keys = (await stripeRequests(settings.STRIPE_SECRET_KEY))
      .filter((r) => r.path === `/v1/subscriptions/${subscriptionId}`)
      .map((r) => r.idempotencyKey);
    expect(new Set(keys).size).toBeGreaterThanOrEqual(3); // one key per attempt: Stripe would replay a failure
  });

  it('ends with the Stripe quantity equal to the member count after 6 concurrent joins', async () => {
    const settings = seatSettings();
    const { org, owner } = await team(settings);
    const { subscriptionId } = await subscribe(settings, org.id, { quantity: 3 });
    const joiners = await Promise.all(Array.from({ length: 6 }, () => register()));
    const tokens: string[] = [];
    for (const joiner of joiners) {
      await env.DB.prepare('UPDATE users SET email_verified_at = ? WHERE id = ?').bind(Date.now(), joiner.userId).run();
      expect((await orgCall(settings, owner, 'POST', `/${org.id}/invitations`, { email: joiner.email })).status).toBe(
        201,
      );
      const row = await env.DB.prepare(
        "SELECT text_body FROM email_outbox WHERE to_address = ? AND template = 'org_invitation'",
      )
        .bind(joiner.email)
        .first<{ text_body: string }>();
      tokens.push(decodeURIComponent(/token=([^\s]+)/.exec(row!.text_body)![1]!));
    }
    const responses = await Promise.all(
      joiners.map((joiner, i) => orgCall(settings, joiner, 'POST', '/invitations/accept', { token: tokens[i]! })),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const members = await countRows('memberships', 'organization_id = ?', org.id);
    expect(members).toBe(9);
    // Whatever a lease left for the cron job (a pusher that lost the race hands over to the holder).
    await runCron(settings);
    expect(await fakeQuantity(settings, subscriptionId)).toBe(members);
    const row = await seatRow(org.id);
    expect(row).toMatchObject({ seats_desired: 9, seat_sync_next_at: null });
    expect(row!.seats_synced_version).toBe(row!.seats_version);
  });

  it('reconciles from webhooks: a quantity changed at Stripe is pushed back; an older event changes nothing', async () => {
    const settings = seatSettings();
    const { org } = await team(settings);
    const now = Math.floor(Date.now() / 1000);
    const { subscriptionId, payload } = await subscribe(settings, org.id, { quantity: 3, created: now });
    // Someone set 9 seats in the dashboard.
    expect((await deliver(settings, payload('customer.subscription.updated', 9, now + 10))).status).toBe(200);
    const drifted = await seatRow(org.id);
    expect(drifted!.seats_synced_version).toBeLessThan(drifted!.seats_version);
    const billing = await env.DB.prepare('SELECT quantity FROM organization_subscriptions WHERE id = ?')
      .bind(subscriptionId)
      .first<{ quantity: number }>();
    expect(billing?.quantity).toBe(9);
    await runCron(settings);
    expect(await fakeQuantity(settings, subscriptionId)).toBe(3);
    // An event from before the last one applied is recorded as stale and moves nothing.
    const version = (await seatRow(org.id))!.seats_version;
    expect((await deliver(settings, payload('customer.subscription.updated', 7, now + 5))).status).toBe(200);
    expect((await seatRow(org.id))!.seats_version).toBe(version);
    const stored = await env.DB.prepare('SELECT quantity FROM organization_subscriptions WHERE id = ?')
      .bind(subscriptionId)
      .first<{ quantity: number }>();
    expect(stored?.quantity).toBe(9);
    expect(
      await countRows(
        'audit_log',
        "action = 'billing.customer.subscription.updated' AND metadata LIKE ?",
        `%${org.id}%`,
      ),
    ).toBe(2);
  });

  it('leaves a flat-priced subscription alone when members change', async () => {
    const settings = seatSettings();
    const { org, owner } = await team(settings);
    const { subscriptionId } = await subscribe(settings, org.id, { quantity: 1, price: 'price_basic' });
    expect((await join(settings, owner, org.id, await register())).status).toBe(200);
    expect(await fakeQuantity(settings, subscriptionId)).toBeNull();
    expect((await seatRow(org.id))!.seat_sync_next_at).toBeNull();
  });
});

describe('the organization context', () => {
  it("gates paid features on the active organization's subscription (requireSubscription)", async () => {
    const settings = seatSettings();
    const { org, owner, member } = await team(settings);
    const activate = async (client: SignedInClient) =>
      (await (await orgCall(settings, client, 'POST', `/${org.id}/activate`)).json<{ access_token: string }>())
        .access_token;
    const paid = (accessToken: string) =>
      callWithBindings(settings, '/api/examples/paid', { headers: bearer(accessToken) });
    const memberToken = await activate(member);
    await expectError(await paid(memberToken), 402, 'SUBSCRIPTION_REQUIRED');
    await subscribe(settings, org.id, { quantity: 3 });
    expect((await paid(memberToken)).status).toBe(200);
    expect((await paid(await activate(owner))).status).toBe(200);
    // Without an active organization, the user's own (none) decides.
    await expectError(await paid(member.accessToken), 402, 'SUBSCRIPTION_REQUIRED');
    // Removed: the token still names the organization, but D1 says no.
    await env.DB.prepare('DELETE FROM memberships WHERE organization_id = ? AND user_id = ?')
      .bind(org.id, member.userId)
      .run();
    await expectError(await paid(memberToken), 402, 'SUBSCRIPTION_REQUIRED');
  });
});

describe('deleting', () => {
  it("deletes an organization's Stripe customer (so its subscriptions) before deleting it; a Stripe failure deletes nothing", async () => {
    const settings = seatSettings();
    const { org, owner } = await team(settings);
    const { customer } = await subscribe(settings, org.id, { quantity: 3 });
    const outage = { ...settings, STRIPE_SECRET_KEY: `sk_test_outage_${crypto.randomUUID().replace(/-/g, '')}` };
    await expectError(await orgCall(outage, owner, 'DELETE', `/${org.id}`), 502, 'BILLING_UNAVAILABLE');
    expect(await countRows('organizations', 'id = ?', org.id)).toBe(1);
    expect((await orgCall(settings, owner, 'DELETE', `/${org.id}`)).status).toBe(204);
    const cancel = (await stripeRequests(settings.STRIPE_SECRET_KEY)).find(
      (r) => r.method === 'DELETE' && r.path === `/v1/customers/${customer}`,
    );
    expect(cancel).toBeDefined();
    expect(await countRows('organizations', 'id = ?', org.id)).toBe(0);
  });

  it("deletes the Stripe customer of an organization deleted with its only member's account; others lose a seat", async () => {
    const settings = seatSettings();
    const solo = await register();
    const created = await orgCall(settings, solo, 'POST', '', { name: 'Solo' });
    const soloOrg = await created.json<{ id: string }>();
    const { customer: soloCustomer } = await subscribe(settings, soloOrg.id, { quantity: 1 });
    const { org, member } = await team(settings);
    const { subscriptionId, customer } = await subscribe(settings, org.id, { quantity: 3 });
    for (const client of [solo, member]) {
      const response = await callWithBindings(settings, '/api/me', {
        method: 'DELETE',
        headers: { ...bearer(client.accessToken), 'Content-Type': 'application/json' },
        body: JSON.stringify({ password: STRONG_PASSWORD }),
      });
      expect(response.status).toBe(204);
    }
    const requests = await stripeRequests(settings.STRIPE_SECRET_KEY);
    expect(requests.some((r) => r.method === 'DELETE' && r.path === `/v1/customers/${soloCustomer}`)).toBe(true);
    expect(requests.some((r) => r.method === 'DELETE' && r.path === `/v1/customers/${customer}`)).toBe(false);
    expect(await countRows('organizations', 'id = ?', soloOrg.id)).toBe(0);
    // The member's seat goes at the next cron run.
    expect((await seatRow(org.id))!.seats_desired).toBe(2);
    await runCron(settings);
    expect(await fakeQuantity(settings, subscriptionId)).toBe(2);
  });
});
