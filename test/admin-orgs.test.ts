// /api/admin/orgs: admins only; search by name or slug with keyset pagination (one statement);
// one organization's members, pending invitations, subscription and seats; a user's organizations.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../src/index';
import { bearer, register, registerAdmin, type SignedInClient } from './support/auth';
import { billingSettings, stripeId } from './support/billing';
import { countingD1 } from './support/d1';
import { call, callWithBindings, expectError } from './support/http';
import { TEST_API_URL } from './support/settings';

const adminGet = (client: SignedInClient, path: string, bindings?: Record<string, string>) =>
  bindings
    ? callWithBindings(bindings, path, { headers: bearer(client.accessToken) })
    : call(path, { headers: bearer(client.accessToken) });

async function createOrg(owner: SignedInClient, name: string, slug?: string) {
  const response = await call('/api/orgs', {
    method: 'POST',
    headers: { ...bearer(owner.accessToken), 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, slug }),
  });
  expect(response.status).toBe(201);
  return response.json<{ id: string; name: string; slug: string }>();
}

async function addMember(orgId: string, client: SignedInClient, role: string, joinedAt = Date.now()) {
  await env.DB.prepare('INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (?, ?, ?, ?)')
    .bind(orgId, client.userId, role, joinedAt)
    .run();
}

async function insertSubscription(orgId: string, input: { status: string; price: string; quantity: number }) {
  await env.DB.prepare(
    `INSERT INTO organization_subscriptions (id, organization_id, customer_id, status, price_id, item_id, quantity,
       current_period_end, cancel_at_period_end, last_event_created, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 1, 1)`,
  )
    .bind(
      stripeId('sub'),
      orgId,
      stripeId('cus'),
      input.status,
      input.price,
      stripeId('si'),
      input.quantity,
      Date.UTC(2031, 0, 1),
    )
    .run();
}

interface OrgRow {
  id: string;
  name: string;
  slug: string;
  created_at: string;
  member_count: number;
  subscription_status: string;
}
type OrgPage = { organizations: OrgRow[]; next_cursor: string | null };

const tick = () => new Promise((resolve) => setTimeout(resolve, 3));

describe('admin organizations: authorization', () => {
  it('answers 401 without a token and 403 FORBIDDEN to non-admins', async () => {
    const user = await register();
    const org = await createOrg(user, 'Not Yours');
    for (const path of ['/api/admin/orgs', `/api/admin/orgs/${org.id}`]) {
      await expectError(await call(path), 401, 'AUTH_HEADER_MISSING');
      await expectError(await adminGet(user, path), 403, 'FORBIDDEN');
    }
  });
});

describe('GET /api/admin/orgs', () => {
  it('searches by name (case-folded) or slug, newest first, and pages with a cursor', async () => {
    const boss = await registerAdmin();
    const owner = await register();
    const tag = `q${crypto.randomUUID().slice(0, 8)}`;
    const byName = [];
    for (let i = 0; i < 3; i++) {
      byName.push(await createOrg(owner, `Team ${tag.toUpperCase()} ${i}`));
      await tick();
    }
    const bySlug = await createOrg(owner, 'Plain Name', `${tag}-slug`);
    await createOrg(owner, 'Unrelated');

    const first = await (await adminGet(boss, `/api/admin/orgs?q=${tag}&limit=2`)).json<OrgPage>();
    expect(first.organizations.map((o) => o.id)).toEqual([bySlug.id, byName[2]!.id]);
    expect(first.next_cursor).toBeTruthy();
    const second = await (
      await adminGet(boss, `/api/admin/orgs?q=${tag}&limit=2&cursor=${first.next_cursor}`)
    ).json<OrgPage>();
    expect(second.organizations.map((o) => o.id)).toEqual([byName[1]!.id, byName[0]!.id]);
    expect(second.next_cursor).toBeNull();

    expect(first.organizations[0]).toEqual({
      id: bySlug.id,
      name: 'Plain Name',
      slug: `${tag}-slug`,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      member_count: 1,
      subscription_status: 'none',
    });
    // By slug alone, and by the name in another case.
    const slugOnly = await (await adminGet(boss, `/api/admin/orgs?q=${tag}-SLUG`)).json<OrgPage>();
    expect(slugOnly.organizations.map((o) => o.id)).toEqual([bySlug.id]);
    const nameOnly = await (
      await adminGet(boss, `/api/admin/orgs?q=${encodeURIComponent(`team ${tag} 1`)}`)
    ).json<OrgPage>();
    expect(nameOnly.organizations.map((o) => o.id)).toEqual([byName[1]!.id]);
  });

  it('lists every organization without q, newest first', async () => {
    const boss = await registerAdmin();
    const owner = await register();
    await createOrg(owner, 'Older');
    await tick();
    const newest = await createOrg(owner, 'Newest');
    const { organizations } = await (await adminGet(boss, '/api/admin/orgs?limit=100')).json<OrgPage>();
    expect(organizations[0]!.id).toBe(newest.id);
  });

  it('shows the member count and the current subscription status, in one statement after the admin check', async () => {
    const boss = await registerAdmin();
    const [owner, other] = await Promise.all([register(), register()]);
    const tag = `m${crypto.randomUUID().slice(0, 8)}`;
    const org = await createOrg(owner, `Counted ${tag}`);
    await addMember(org.id, other, 'member');
    // A cancelled one and an active one: the active one describes the organization now.
    await insertSubscription(org.id, { status: 'canceled', price: 'price_basic', quantity: 1 });
    await insertSubscription(org.id, { status: 'active', price: 'price_pro', quantity: 2 });

    const { db, counts } = countingD1(env.DB);
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request(`${TEST_API_URL}/api/admin/orgs?q=${tag}`, { headers: bearer(boss.accessToken) }),
      { ...env, DB: db },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(200);
    const { organizations } = await response.json<OrgPage>();
    expect(organizations).toMatchObject([{ id: org.id, member_count: 2, subscription_status: 'active' }]);
    // The admin guard's check of the session and role, then the search itself.
    expect(counts.roundTrips).toBe(2);
  });

  it('takes LIKE wildcards literally', async () => {
    const boss = await registerAdmin();
    const { organizations } = await (await adminGet(boss, '/api/admin/orgs?q=%25')).json<OrgPage>();
    expect(organizations).toEqual([]);
  });

  it.each(['limit=0', 'limit=101', 'limit=ten', 'cursor=not-a-cursor', `q=${'x'.repeat(201)}`])(
    'answers 400 VALIDATION_ERROR for %s',
    async (query) => {
      const boss = await registerAdmin();
      await expectError(await adminGet(boss, `/api/admin/orgs?${query}`), 400, 'VALIDATION_ERROR');
    },
  );

  it('accepts limit=1 and limit=100', async () => {
    const boss = await registerAdmin();
    for (const limit of [1, 100]) {
      const response = await adminGet(boss, `/api/admin/orgs?limit=${limit}`);
      expect(response.status).toBe(200);
      expect((await response.json<OrgPage>()).organizations.length).toBeLessThanOrEqual(limit);
    }
  });
});

interface Detail {
  organization: { id: string; name: string; slug: string; created_by: string | null; created_at: string };
  member_count: number;
  members: { user_id: string; email: string; name: string | null; role: string; joined_at: string }[];
  invitations: { id: string; email: string; role: string; invited_by: string | null; expires_at: string }[];
  subscription: Record<string, unknown>;
  seats: { per_seat: boolean; members: number; billed: number | null; in_sync: boolean };
}

describe('GET /api/admin/orgs/{id}', () => {
  it('shows the organization, its members by join time, pending invitations, subscription and seats', async () => {
    const boss = await registerAdmin();
    const [owner, admin, member] = await Promise.all([
      register({ name: 'Olive Owner' }),
      register({ name: 'Ada Admin' }),
      register(),
    ]);
    const org = await createOrg(owner, 'Detail Co');
    await addMember(org.id, admin, 'admin', Date.now() + 1000);
    await addMember(org.id, member, 'member', Date.now() + 2000);
    await env.DB.prepare('UPDATE organizations SET seats_desired = 3 WHERE id = ?').bind(org.id).run();
    await env.DB.prepare('UPDATE users SET email_verified_at = ? WHERE id = ?').bind(Date.now(), owner.userId).run();
    const invitee = `invitee-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const invited = await call(`/api/orgs/${org.id}/invitations`, {
      method: 'POST',
      headers: { ...bearer(owner.accessToken), 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: invitee, role: 'admin' }),
    });
    expect(invited.status).toBe(201);
    // An expired invitation is not pending.
    await env.DB.prepare(
      `INSERT INTO invitations (id, organization_id, email, role, secret_hash, invited_by, created_at, expires_at)
       VALUES (?, ?, 'expired@example.com', 'member', 'x', ?, 1, 2)`,
    )
      .bind(crypto.randomUUID(), org.id, owner.userId)
      .run();

    const before = await (await adminGet(boss, `/api/admin/orgs/${org.id}`)).json<Detail>();
    expect(before.organization).toEqual({
      id: org.id,
      name: 'Detail Co',
      slug: org.slug,
      created_by: owner.userId,
      created_at: expect.stringMatching(/^\d{4}-/),
    });
    expect(before.member_count).toBe(3);
    expect(before.members.map((m) => [m.user_id, m.email, m.name, m.role])).toEqual([
      [owner.userId, owner.email, 'Olive Owner', 'owner'],
      [admin.userId, admin.email, 'Ada Admin', 'admin'],
      [member.userId, member.email, null, 'member'],
    ]);
    expect(before.invitations).toEqual([
      {
        id: expect.any(String),
        email: invitee,
        role: 'admin',
        invited_by: owner.userId,
        created_at: expect.any(String),
        expires_at: expect.any(String),
      },
    ]);
    expect(before.subscription).toEqual({ status: 'none' });
    expect(before.seats).toEqual({ per_seat: false, members: 3, billed: null, in_sync: true });

    // Subscribed on a per-seat price, with a count that has not reached Stripe yet.
    await insertSubscription(org.id, { status: 'active', price: 'price_pro', quantity: 2 });
    await env.DB.prepare('UPDATE organizations SET seats_version = 2, seats_synced_version = 1 WHERE id = ?')
      .bind(org.id)
      .run();
    const settings = { ...billingSettings(), STRIPE_SEAT_PRICE_IDS: 'price_pro' };
    const after = await (await adminGet(boss, `/api/admin/orgs/${org.id}`, settings)).json<Detail>();
    expect(after.subscription).toEqual({
      status: 'active',
      price_id: 'price_pro',
      current_period_end: '2031-01-01T00:00:00.000Z',
      cancel_at_period_end: false,
    });
    expect(after.seats).toEqual({ per_seat: true, members: 3, billed: 2, in_sync: false });
    // Without seat prices configured the same subscription is not per seat, so nothing waits.
    const plain = await (await adminGet(boss, `/api/admin/orgs/${org.id}`)).json<Detail>();
    expect(plain.seats).toEqual({ per_seat: false, members: 3, billed: 2, in_sync: true });
  });

  it('lists the first 100 members and counts them all', async () => {
    const boss = await registerAdmin();
    const owner = await register();
    const org = await createOrg(owner, 'Crowd');
    const tag = crypto.randomUUID().slice(0, 8);
    // 100 more accounts and memberships, joined after the owner.
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
       INSERT INTO users (id, email, role, created_at, updated_at)
       SELECT ?1 || '-' || i, ?1 || '-' || i || '@example.com', 'user', ?2, ?2 FROM n`,
    )
      .bind(`crowd-${tag}`, Date.now())
      .run();
    await env.DB.prepare(
      `INSERT INTO memberships (organization_id, user_id, role, created_at)
       SELECT ?, id, 'member', ? FROM users WHERE id LIKE ?`,
    )
      .bind(org.id, Date.now() + 1000, `crowd-${tag}-%`)
      .run();
    const detail = await (await adminGet(boss, `/api/admin/orgs/${org.id}`)).json<Detail>();
    expect(detail.member_count).toBe(101);
    expect(detail.members).toHaveLength(100);
    expect(detail.members[0]!.user_id).toBe(owner.userId);
  });

  it('answers 404 NOT_FOUND for an unknown id', async () => {
    const boss = await registerAdmin();
    await expectError(await adminGet(boss, '/api/admin/orgs/nothing-here'), 404, 'NOT_FOUND');
  });
});

describe("a user's organizations in the admin user detail", () => {
  it('lists them by name with the role', async () => {
    const boss = await registerAdmin();
    const [owner, client] = await Promise.all([register(), register()]);
    const zeta = await createOrg(client, 'Zeta Works');
    const alpha = await createOrg(owner, 'Alpha Works');
    await addMember(alpha.id, client, 'admin');
    const detail = await (
      await adminGet(boss, `/api/admin/users/${client.userId}`)
    ).json<{
      organizations: unknown[];
    }>();
    expect(detail.organizations).toEqual([
      { id: alpha.id, name: 'Alpha Works', slug: alpha.slug, role: 'admin' },
      { id: zeta.id, name: 'Zeta Works', slug: zeta.slug, role: 'owner' },
    ]);
    const loner = await (await adminGet(boss, `/api/admin/users/${owner.userId}`)).json<{ organizations: unknown[] }>();
    expect(loner.organizations).toEqual([{ id: alpha.id, name: 'Alpha Works', slug: alpha.slug, role: 'owner' }]);
  });
});
