// /api/admin: admins only (checked in D1), search and pagination, user detail, role, disable/enable, stats, audit
// (organizations: admin-orgs.test.ts).
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  bearer,
  countRows,
  deleteMe,
  login,
  refresh,
  register,
  registerAdmin,
  type SignedInClient,
  STRONG_PASSWORD,
  uniqueEmail,
  uniqueIp,
} from './support/auth';
import { holdingD1 } from './support/d1';
import { call, callWithBindings, expectError, postJson } from './support/http';
import { tokenFromLatestEmail } from './support/mailbox';

function adminCall(token: string, path: string, init: RequestInit = {}) {
  const body = init.body;
  return call(path, {
    ...init,
    headers: {
      ...bearer(token),
      ...(body ? { 'Content-Type': 'application/json' } : {}),
      ...(init.headers as Record<string, string>),
    },
  });
}

const ROUTES: [string, string, unknown?][] = [
  ['GET', '/api/admin/users'],
  ['GET', '/api/admin/users/x'],
  ['PATCH', '/api/admin/users/x/role', { role: 'admin' }],
  ['POST', '/api/admin/users/x/disable'],
  ['POST', '/api/admin/users/x/enable'],
  ['POST', '/api/admin/users/x/revoke-sessions'],
  ['GET', '/api/admin/orgs'],
  ['GET', '/api/admin/orgs/x'],
  ['GET', '/api/admin/stats'],
  ['GET', '/api/admin/audit'],
];

describe('admin authorization', () => {
  it('answers 401 without a token and 403 FORBIDDEN to non-admins on every admin route, changing nothing', async () => {
    const user = await register();
    for (const [method, path, body] of ROUTES) {
      const headers: Record<string, string> = body ? { 'Content-Type': 'application/json' } : {};
      const init = { method, body: body ? JSON.stringify(body) : undefined, headers };
      expect((await call(path, init)).status).toBe(401);
      const response = await adminCall(user.accessToken, path, init);
      await expectError(response, 403, 'FORBIDDEN');
    }
    expect(await countRows('users', "id = ? AND role = 'user'", user.userId)).toBe(1);
  });

  it('checks the role in the database: a demoted admin loses access at once, though the token says admin', async () => {
    const boss = await registerAdmin();
    expect((await adminCall(boss.accessToken, '/api/admin/stats')).status).toBe(200);
    await env.DB.prepare("UPDATE users SET role = 'user' WHERE id = ?").bind(boss.userId).run();
    expect((await adminCall(boss.accessToken, '/api/admin/stats')).status).toBe(403);
  });

  it('lets in a user promoted in D1 after their token was issued: the database decides, not the claim', async () => {
    const client = await register();
    await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(client.userId).run();
    expect((await adminCall(client.accessToken, '/api/admin/stats')).status).toBe(200);
  });
});

describe('users', () => {
  it('searches by email or name and pages with a cursor, newest first', async () => {
    const boss = await registerAdmin();
    const tag = `zz${crypto.randomUUID().slice(0, 8)}`;
    const created = [];
    for (let i = 0; i < 3; i++) {
      created.push(await register({ email: uniqueEmail(`${tag}-${i}`), name: `Person ${i}` }));
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    await register({ name: `Named ${tag}` });
    const first = await (
      await adminCall(boss.accessToken, `/api/admin/users?q=${tag}&limit=2`)
    ).json<{ users: { email: string; name: string }[]; next_cursor: string }>();
    expect(first.users).toHaveLength(2);
    expect(first.next_cursor).toBeTruthy();
    const second = await (
      await adminCall(boss.accessToken, `/api/admin/users?q=${tag}&limit=2&cursor=${first.next_cursor}`)
    ).json<{ users: { email: string; name: string }[]; next_cursor: string | null }>();
    expect(second.users).toHaveLength(2);
    expect(second.next_cursor).toBeNull();
    const all = [...first.users, ...second.users];
    expect(all[0]!.name).toBe(`Named ${tag}`);
    expect(all.slice(1).map((u) => u.email)).toEqual([created[2]!.email, created[1]!.email, created[0]!.email]);
    expect(Object.keys(all[1]!).sort()).toEqual([
      'created_at',
      'disabled',
      'disabled_at',
      'email',
      'email_verified',
      'has_password',
      'has_second_factor',
      'id',
      'name',
      'role',
    ]);
  });

  it('takes LIKE wildcards in the search literally', async () => {
    const boss = await registerAdmin();
    const { users } = await (await adminCall(boss.accessToken, '/api/admin/users?q=%25')).json<{ users: unknown[] }>();
    expect(users).toHaveLength(0);
  });

  it.each([
    ['49 letters', 'a'.repeat(49)],
    ['200 letters', 'b'.repeat(200)],
    ['25 percent signs', '%'.repeat(25)],
    ['200 wildcard and escape characters', '%_\\'.repeat(66) + '%_'],
    ['200 multi-byte characters', 'é'.repeat(200)],
  ])('searches with %s (the longest input validation accepts) without a 500', async (_label, q) => {
    const boss = await registerAdmin();
    const response = await adminCall(boss.accessToken, `/api/admin/users?q=${encodeURIComponent(q)}&limit=100`);
    expect(response.status).toBe(200);
    expect((await response.json<{ users: unknown[] }>()).users).toEqual([]);
  });

  it('finds a user by the longest name and by a long part of the email, case-insensitively', async () => {
    const boss = await registerAdmin();
    const name = `Z${crypto.randomUUID().replace(/-/g, '')}`.padEnd(100, 'q');
    const client = await register({ name, email: uniqueEmail(`long-${'y'.repeat(60)}`) });
    for (const q of [name.toUpperCase(), client.email.slice(0, 90)]) {
      const { users } = await (
        await adminCall(boss.accessToken, `/api/admin/users?q=${encodeURIComponent(q)}`)
      ).json<{ users: { id: string }[] }>();
      expect(users.map((u) => u.id)).toEqual([client.userId]);
    }
  });

  it.each(['limit=0', 'limit=101', 'limit=ten', 'cursor=not-a-cursor', `q=${'x'.repeat(201)}`])(
    'answers 400 VALIDATION_ERROR for %s',
    async (query) => {
      const boss = await registerAdmin();
      const response = await adminCall(boss.accessToken, `/api/admin/users?${query}`);
      await expectError(response, 400, 'VALIDATION_ERROR');
    },
  );

  it('shows one user with sessions, linked providers and subscription; 404 for unknown ids', async () => {
    const boss = await registerAdmin();
    const client = await register();
    const response = await adminCall(boss.accessToken, `/api/admin/users/${client.userId}`);
    expect(response.status).toBe(200);
    const detail = await response.json<{
      user: { id: string };
      sessions: { auth_method: string }[];
      linked_accounts: unknown[];
      subscription: unknown;
      organizations: unknown[];
    }>();
    expect(detail.user.id).toBe(client.userId);
    expect(detail.sessions).toHaveLength(1);
    expect(detail.sessions[0]!.auth_method).toBe('password');
    expect(detail.linked_accounts).toEqual([]);
    expect(detail.subscription).toEqual({ status: 'none' });
    expect(detail.organizations).toEqual([]);
    const missing = await adminCall(boss.accessToken, '/api/admin/users/nobody');
    await expectError(missing, 404, 'NOT_FOUND');
  });
});

describe('changes', () => {
  it('changes a role, audited with the acting admin', async () => {
    const boss = await registerAdmin();
    const client = await register();
    const response = await adminCall(boss.accessToken, `/api/admin/users/${client.userId}/role`, {
      method: 'PATCH',
      body: JSON.stringify({ role: 'admin' }),
    });
    expect(response.status).toBe(200);
    expect((await response.json<{ user: { role: string } }>()).user.role).toBe('admin');
    expect(
      await countRows(
        'audit_log',
        "user_id = ? AND actor_id = ? AND action = 'admin.role_changed'",
        client.userId,
        boss.userId,
      ),
    ).toBe(1);
  });

  it('audits a change once: not a repeat, not a no-op, not each of several parallel requests', async () => {
    const bosses = [await registerAdmin(), await registerAdmin(), await registerAdmin(), await registerAdmin()];
    const client = await register();
    const setRole = (boss: SignedInClient, role: string) =>
      adminCall(boss.accessToken, `/api/admin/users/${client.userId}/role`, {
        method: 'PATCH',
        body: JSON.stringify({ role }),
      });
    expect((await setRole(bosses[0]!, 'user')).status).toBe(200); // already a user: pinned, not a change
    expect((await setRole(bosses[0]!, 'admin')).status).toBe(200);
    const demotions = await Promise.all(bosses.map((boss) => setRole(boss, 'user')));
    expect(demotions.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const audits = await env.DB.prepare(
      "SELECT metadata FROM audit_log WHERE user_id = ? AND action = 'admin.role_changed' ORDER BY created_at",
    )
      .bind(client.userId)
      .all<{ metadata: string }>();
    expect(audits.results.map((r) => JSON.parse(r.metadata).role)).toEqual(['admin', 'user']);
    for (let i = 0; i < 2; i++)
      await adminCall(bosses[0]!.accessToken, `/api/admin/users/${client.userId}/disable`, { method: 'POST' });
    await Promise.all(
      bosses.map((boss) => adminCall(boss.accessToken, `/api/admin/users/${client.userId}/enable`, { method: 'POST' })),
    );
    expect(await countRows('audit_log', "user_id = ? AND action = 'admin.user_disabled'", client.userId)).toBe(1);
    expect(await countRows('audit_log', "user_id = ? AND action = 'admin.user_enabled'", client.userId)).toBe(1);
  });

  it('voids the reset links of a user it disables: enabling again does not revive them', async () => {
    const boss = await registerAdmin();
    const client = await register();
    await postJson('/api/auth/password/forgot', { email: client.email }, { 'CF-Connecting-IP': '10.7.0.1' });
    const token = await tokenFromLatestEmail(client.email, 'password_reset');
    await adminCall(boss.accessToken, `/api/admin/users/${client.userId}/disable`, { method: 'POST' });
    await adminCall(boss.accessToken, `/api/admin/users/${client.userId}/enable`, { method: 'POST' });
    const reset = await postJson('/api/auth/password/reset', { token, password: 'saffron-lattice-orbit-77' });
    await expectError(reset, 400, 'TOKEN_INVALID');
    expect((await login(client.email, STRONG_PASSWORD)).status).toBe(200);
  });

  it('gives a login that races a demotion the role the database holds when its session starts', async () => {
    const boss = await registerAdmin();
    const target = await registerAdmin();
    const held = holdingD1(env.DB, 2);
    const racing = callWithBindings({ DB: held.db }, '/api/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': '10.6.0.1' },
      body: JSON.stringify({ email: target.email, password: STRONG_PASSWORD }),
    });
    await held.reached;
    expect(
      (
        await adminCall(boss.accessToken, `/api/admin/users/${target.userId}/role`, {
          method: 'PATCH',
          body: '{"role":"user"}',
        })
      ).status,
    ).toBe(200);
    held.release();
    const { access_token, user } = await (await racing).json<{ access_token: string; user: { role: string } }>();
    expect(user.role).toBe('user');
    expect(JSON.parse(atob(access_token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).role).toBe('user');
  });

  it('validates the role and answers 404 for unknown users', async () => {
    const boss = await registerAdmin();
    const client = await register();
    for (const body of [{ role: 'root' }, {}, { role: 1 }]) {
      const response = await adminCall(boss.accessToken, `/api/admin/users/${client.userId}/role`, {
        method: 'PATCH',
        body: JSON.stringify(body),
      });
      await expectError(response, 400, 'VALIDATION_ERROR');
    }
    expect(
      (await adminCall(boss.accessToken, '/api/admin/users/nobody/role', { method: 'PATCH', body: '{"role":"admin"}' }))
        .status,
    ).toBe(404);
    for (const action of ['disable', 'enable', 'revoke-sessions']) {
      const response = await adminCall(boss.accessToken, `/api/admin/users/nobody/${action}`, { method: 'POST' });
      await expectError(response, 404, 'NOT_FOUND');
    }
    expect(await countRows('audit_log', "actor_id = ? AND user_id = 'nobody'", boss.userId)).toBe(0);
    expect(await countRows('users', "id = ? AND role = 'user'", client.userId)).toBe(1);
  });

  it('refuses to demote or disable the last enabled admin (409 LAST_ADMIN), changing nothing', async () => {
    const boss = await registerAdmin();
    // In this file's database, make `boss` the only admin.
    await env.DB.prepare("UPDATE users SET role = 'user' WHERE role = 'admin' AND id != ?").bind(boss.userId).run();
    const demote = await adminCall(boss.accessToken, `/api/admin/users/${boss.userId}/role`, {
      method: 'PATCH',
      body: '{"role":"user"}',
    });
    await expectError(demote, 409, 'LAST_ADMIN');
    const disable = await adminCall(boss.accessToken, `/api/admin/users/${boss.userId}/disable`, { method: 'POST' });
    expect(disable.status).toBe(409);
    expect(await countRows('users', "id = ? AND role = 'admin' AND disabled_at IS NULL", boss.userId)).toBe(1);
    expect(
      await countRows(
        'audit_log',
        "user_id = ? AND action IN ('admin.role_changed', 'admin.user_disabled')",
        boss.userId,
      ),
    ).toBe(0);
    // With a second admin, the first may step down.
    const deputy = await registerAdmin();
    expect(
      (
        await adminCall(deputy.accessToken, `/api/admin/users/${boss.userId}/role`, {
          method: 'PATCH',
          body: '{"role":"user"}',
        })
      ).status,
    ).toBe(200);
  });

  it('disables a user: sessions revoked, refresh fails, login answers 403; enabling lets them back in', async () => {
    const boss = await registerAdmin();
    const client = await register();
    const disabled = await adminCall(boss.accessToken, `/api/admin/users/${client.userId}/disable`, { method: 'POST' });
    expect(disabled.status).toBe(200);
    expect(await disabled.json<{ user: { disabled: boolean }; sessions: unknown[] }>()).toMatchObject({
      user: { disabled: true },
      sessions: [],
    });
    await expectError(await refresh(client.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
    const denied = await login(client.email, STRONG_PASSWORD);
    await expectError(denied, 403, 'ACCOUNT_DISABLED');
    expect((await call('/api/auth/sessions', { headers: bearer(client.accessToken) })).status).toBe(401);

    const enabled = await adminCall(boss.accessToken, `/api/admin/users/${client.userId}/enable`, { method: 'POST' });
    expect((await enabled.json<{ user: { disabled: boolean } }>()).user.disabled).toBe(false);
    expect((await login(client.email, STRONG_PASSWORD)).status).toBe(200);
    expect(
      await countRows(
        'audit_log',
        "user_id = ? AND actor_id = ? AND action IN ('admin.user_disabled', 'admin.user_enabled')",
        client.userId,
        boss.userId,
      ),
    ).toBe(2);
  });

  it("revokes all of a user's sessions", async () => {
    const boss = await registerAdmin();
    const client = await register();
    await login(client.email, STRONG_PASSWORD);
    const response = await adminCall(boss.accessToken, `/api/admin/users/${client.userId}/revoke-sessions`, {
      method: 'POST',
    });
    expect((await response.json<{ sessions: unknown[] }>()).sessions).toEqual([]);
    expect((await refresh(client.refreshToken)).status).toBe(401);
    expect(await countRows('audit_log', "user_id = ? AND action = 'admin.sessions_revoked'", client.userId)).toBe(1);
  });
});

describe('stats and audit log', () => {
  it('counts users, verification, sign-ups, subscriptions by price and failed payments', async () => {
    const boss = await registerAdmin();
    const client = await register();
    await env.DB.prepare(
      "INSERT INTO subscriptions (id, user_id, customer_id, status, price_id, last_event_created, updated_at) VALUES (?, ?, 'cus_s', 'active', 'price_stats', 1, 1)",
    )
      .bind(`sub_${crypto.randomUUID()}`, client.userId)
      .run();
    const stats = await (await adminCall(boss.accessToken, '/api/admin/stats')).json<Record<string, unknown>>();
    expect(stats).toMatchObject({
      users: expect.any(Number),
      verified: expect.any(Number),
      signups_7d: expect.any(Number),
      signups_30d: expect.any(Number),
      failed_payments_30d: expect.any(Number),
    });
    expect(stats.users as number).toBeGreaterThanOrEqual(2);
    expect(stats.verified as number).toBeGreaterThanOrEqual(1);
    expect(stats.active_subscriptions_by_price).toEqual(
      expect.arrayContaining([{ price_id: 'price_stats', count: 1 }]),
    );
  });

  it('filters the audit log by user, action (exact or prefix*) and time, with cursor pagination', async () => {
    const boss = await registerAdmin();
    const client = await register();
    for (let i = 0; i < 3; i++) await login(client.email, `wrong-password-${i}`);
    await login(client.email, STRONG_PASSWORD);
    const get = async (query: string) =>
      (await adminCall(boss.accessToken, `/api/admin/audit?${query}`)).json<{
        entries: { action: string; user_id: string; metadata: unknown }[];
        next_cursor: string | null;
      }>();
    const failed = await get(`user_id=${client.userId}&action=login.failed`);
    expect(failed.entries).toHaveLength(3);
    expect(failed.entries[0]!.metadata).toEqual({ email: client.email });
    const logins = await get(`user_id=${client.userId}&action=login.*&limit=2`);
    expect(logins.entries.map((e) => e.action)).toEqual(['login.succeeded', 'login.failed']);
    const rest = await get(`user_id=${client.userId}&action=login.*&limit=2&cursor=${logins.next_cursor}`);
    expect(rest.entries.map((e) => e.action)).toEqual(['login.failed', 'login.failed']);
    const future = await get(
      `user_id=${client.userId}&from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
    );
    expect(future.entries).toHaveLength(0);
    const bad = await adminCall(boss.accessToken, '/api/admin/audit?from=yesterday');
    await expectError(bad, 400, 'VALIDATION_ERROR');
  });

  it.each([`${'a'.repeat(99)}*`, 'a'.repeat(100), '%'.repeat(99) + '*', '*', `${'é'.repeat(99)}*`])(
    'filters by action=%s (within what validation accepts) without a 500',
    async (action) => {
      const boss = await registerAdmin();
      const response = await adminCall(
        boss.accessToken,
        `/api/admin/audit?action=${encodeURIComponent(action)}&limit=100`,
      );
      expect(response.status).toBe(200);
    },
  );

  it('takes a prefix literally: action=%* matches no action', async () => {
    const boss = await registerAdmin();
    const { entries } = await (
      await adminCall(boss.accessToken, '/api/admin/audit?action=%25*')
    ).json<{ entries: unknown[] }>();
    expect(entries).toEqual([]);
  });
});

describe('ADMIN_EMAILS and explicit roles', () => {
  const withAdminEmails = (email: string) => ({ ADMIN_EMAILS: email });
  const loginWith = (settings: Record<string, string>, email: string, password = STRONG_PASSWORD) =>
    login(email, password, uniqueIp(), {}, settings);
  /** The verification link opened as a front end should: with the signed-up session's access token. */
  const verifyWith = async (settings: Record<string, string>, client: SignedInClient) =>
    callWithBindings(settings, '/api/auth/verify-email', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...bearer(client.accessToken) },
      body: JSON.stringify({ token: await tokenFromLatestEmail(client.email, 'verify_email') }),
    });
  const roleAudits = (userId: string) =>
    env.DB.prepare(
      "SELECT actor_id, metadata FROM audit_log WHERE user_id = ? AND action = 'admin.role_changed' ORDER BY created_at",
    )
      .bind(userId)
      .all<{ actor_id: string | null; metadata: string }>()
      .then((r) => r.results.map((row) => ({ actor_id: row.actor_id, ...JSON.parse(row.metadata) })));

  it("an admin's demotion wins over ADMIN_EMAILS, also after the demoted user resets their password", async () => {
    const boss = await registerAdmin();
    const client = await register();
    const settings = withAdminEmails(client.email);
    expect((await (await verifyWith(settings, client)).json<{ user: { role: string } }>()).user.role).toBe('admin');
    const demote = await adminCall(boss.accessToken, `/api/admin/users/${client.userId}/role`, {
      method: 'PATCH',
      body: '{"role":"user"}',
    });
    expect(demote.status).toBe(200);

    await postJson('/api/auth/password/forgot', { email: client.email }, { 'CF-Connecting-IP': '10.8.0.1' });
    const reset = await callWithBindings(settings, '/api/auth/password/reset', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        token: await tokenFromLatestEmail(client.email, 'password_reset'),
        password: 'saffron-lattice-orbit-77',
      }),
    });
    expect(reset.status).toBe(200);
    const signedIn = await loginWith(settings, client.email, 'saffron-lattice-orbit-77');
    const { access_token, user } = await signedIn.json<{ access_token: string; user: { role: string } }>();
    expect(user.role).toBe('user');
    expect((await adminCall(access_token, '/api/admin/stats')).status).toBe(403);
    expect(await roleAudits(client.userId)).toEqual([
      { actor_id: null, role: 'admin', by: 'ADMIN_EMAILS' },
      { actor_id: boss.userId, role: 'user', by: 'admin' },
    ]);
  });

  it("keeps an admin's choice for the address when the demoted user deletes the account and signs up again", async () => {
    const boss = await registerAdmin();
    const client = await register();
    const settings = withAdminEmails(client.email);
    expect((await (await verifyWith(settings, client)).json<{ user: { role: string } }>()).user.role).toBe('admin');
    expect(
      (
        await adminCall(boss.accessToken, `/api/admin/users/${client.userId}/role`, {
          method: 'PATCH',
          body: '{"role":"user"}',
        })
      ).status,
    ).toBe(200);
    const deleted = await deleteMe(client.accessToken, { password: STRONG_PASSWORD }, settings);
    expect(deleted.status).toBe(204);
    const again = await register({ email: client.email });
    const verified = await verifyWith(settings, again);
    expect((await verified.json<{ user: { role: string } }>()).user.role).toBe('user');
    expect((await loginWith(settings, again.email)).status).toBe(200);
    expect(await countRows('users', "id = ? AND role = 'user'", again.userId)).toBe(1);
    expect(await roleAudits(again.userId)).toEqual([]);
  });

  it('promotes an already verified user once their address is in ADMIN_EMAILS, at their next sign-in, audited once under concurrency', async () => {
    const client = await register();
    expect((await verifyWith({}, client)).status).toBe(200);
    const settings = withAdminEmails(client.email);
    const responses = await Promise.all(Array.from({ length: 5 }, () => loginWith(settings, client.email)));
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect((await response.json<{ user: { role: string } }>()).user.role).toBe('admin');
    }
    expect(await roleAudits(client.userId)).toEqual([{ actor_id: null, role: 'admin', by: 'ADMIN_EMAILS' }]);
  });

  it('promotes at the next refresh, too', async () => {
    const client = await register();
    expect((await verifyWith({}, client)).status).toBe(200);
    const refreshed = await refresh(client.refreshToken, {}, withAdminEmails(client.email));
    expect(refreshed.status).toBe(200);
    const { access_token } = await refreshed.json<{ access_token: string }>();
    expect(JSON.parse(atob(access_token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).role).toBe('admin');
    expect((await adminCall(access_token, '/api/admin/stats')).status).toBe(200);
    expect(await roleAudits(client.userId)).toHaveLength(1);
  });

  it('never promotes an unverified address', async () => {
    const client = await register();
    const response = await loginWith(withAdminEmails(client.email), client.email);
    expect((await response.json<{ user: { role: string } }>()).user.role).toBe('user');
    expect(await roleAudits(client.userId)).toEqual([]);
  });
});
