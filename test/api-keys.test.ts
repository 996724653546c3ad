// API keys through the real Worker: making, listing and revoking them (a user's and an
// organization's, every route × role), using them on the routes that take them (scopes, owners),
// refusing them everywhere else, the D1 cost of a check (none for a malformed key), the per-key rate
// limit under concurrency, last-used throttling, revocation, expiry, disabled owners and deleted
// organizations, and the admin area.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isWellFormedApiKey } from '../src/api-keys/key-format';
import { API_KEY_SCOPE_NAMES } from '../src/api-keys/scopes';
import worker from '../src/index';
import {
  keyRow,
  makeKey,
  subscribeOrganization,
  subscribeUser,
  team,
  userWithKey,
  withKey,
  type NewKey,
} from './support/api-keys';
import { bearer, countRows, register, registerAdmin, STRONG_PASSWORD } from './support/auth';
import { advanceClock } from './support/clock';
import { countingD1 } from './support/d1';
import { call, callWithBindings, expectError } from './support/http';
import { emailsTo } from './support/mailbox';
import { orgCall } from './support/orgs';
import { TEST_API_URL, TEST_APP_URL } from './support/settings';
import { jsonCall, markVerified, registerWithTotp } from './support/two-factor';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const PREFIX = 'lk_test_';

/** Runs one request on a D1 that counts, before the response and after it (waitUntil). */
async function measure(path: string, init?: RequestInit) {
  const { db, counts } = countingD1(env.DB);
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`${TEST_API_URL}${path}`, init), { ...env, DB: db }, ctx);
  const before = { ...counts };
  await waitOnExecutionContext(ctx);
  return { response, before, after: { roundTrips: counts.roundTrips - before.roundTrips } };
}

/** One character changed in the random part: the checksum no longer matches. */
function typo(key: string): string {
  const i = PREFIX.length + 10;
  return key.slice(0, i) + (key[i] === 'a' ? 'b' : 'a') + key.slice(i + 1);
}

describe('POST /api/me/api-keys', () => {
  it('makes a key shown once, stored as its SHA-256 only, audited', async () => {
    const { client, key } = await userWithKey({ name: 'Nightly export', scopes: ['read', 'billing:read'] });
    expect(isWellFormedApiKey(PREFIX, key.key)).toBe(true);
    expect(key).toMatchObject({
      name: 'Nightly export',
      scopes: ['read', 'billing:read'],
      start: key.key.slice(0, PREFIX.length + 4),
      last4: key.key.slice(-4),
      owner: { type: 'user', id: client.userId },
      rate_limit_per_minute: 600,
      status: 'active',
      expires_at: null,
      last_used_at: null,
      created_by: client.userId,
    });
    const row = await keyRow(key.id);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key.key)));
    const hash = btoa(String.fromCharCode(...digest))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    expect(row!.key_hash).toBe(hash);
    expect(Object.values(row!)).not.toContain(key.key);
    const listed = await jsonCall('GET', '/api/me/api-keys', client.accessToken);
    expect(listed.status).toBe(200);
    const { api_keys } = await listed.json<{ api_keys: Record<string, unknown>[] }>();
    expect(api_keys).toHaveLength(1);
    expect(api_keys[0]!.id).toBe(key.id);
    expect(JSON.stringify(api_keys)).not.toContain(key.key);
    expect(await countRows('audit_log', "action = 'api_key.created' AND user_id = ?", client.userId)).toBe(1);
  });

  it('refuses bad input with 400 and makes nothing', async () => {
    const client = await register();
    await markVerified(client.userId);
    const far = new Date(Date.now() - 1000).toISOString();
    for (const body of [
      {},
      { name: 'x' },
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['admin'] },
      { name: 'x', scopes: 'read' },
      { name: '', scopes: ['read'] },
      { name: 'x'.repeat(101), scopes: ['read'] },
      { name: 'a\nb', scopes: ['read'] },
      { name: 'x', scopes: ['read'], expires_at: far },
      { name: 'x', scopes: ['read'], expires_at: 'tomorrow' },
      { name: 'x', scopes: ['read'], rate_limit_per_minute: 0 },
      { name: 'x', scopes: ['read'], rate_limit_per_minute: 601 },
      { name: 'x', scopes: ['read'], rate_limit_per_minute: 1.5 },
      { name: 'x', scopes: ['read'], owner: 'someone-else' },
    ]) {
      await expectError(await jsonCall('POST', '/api/me/api-keys', client.accessToken, body), 400, 'VALIDATION_ERROR');
    }
    expect(await countRows('api_keys', 'user_id = ?', client.userId)).toBe(0);
  });

  it('needs a verified address, a recent sign-in and the second factor', async () => {
    const unverified = await register();
    await expectError(
      await jsonCall('POST', '/api/me/api-keys', unverified.accessToken, { name: 'x', scopes: ['read'] }),
      403,
      'FORBIDDEN',
    );
    const verified = await register();
    await markVerified(verified.userId);
    advanceClock(11 * 60_000);
    // The access token is still valid for 4 minutes: a fresh one from a refresh keeps the old sign-in time.
    const refreshed = await call('/api/auth/refresh', {
      method: 'POST',
      headers: { Cookie: `refresh_token=${verified.refreshToken}` },
    });
    const { access_token } = await refreshed.json<{ access_token: string }>();
    await expectError(
      await jsonCall('POST', '/api/me/api-keys', access_token, { name: 'x', scopes: ['read'] }),
      403,
      'STEP_UP_REQUIRED',
    );
    const stepped = await jsonCall('POST', '/api/auth/step-up', access_token, { password: STRONG_PASSWORD });
    expect(stepped.status).toBe(200);
    const { access_token: fresh } = await stepped.json<{ access_token: string }>();
    expect((await jsonCall('POST', '/api/me/api-keys', fresh, { name: 'x', scopes: ['read'] })).status).toBe(201);
    vi.useRealTimers();

    const enrolled = await registerWithTotp();
    const firstStepOnly = await call('/api/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: enrolled.email, password: STRONG_PASSWORD }),
    });
    expect((await firstStepOnly.json<{ mfa_required: boolean }>()).mfa_required).toBe(true);
    // The enrolled client's own token proved the code: it may.
    expect(
      (await jsonCall('POST', '/api/me/api-keys', enrolled.accessToken, { name: 'x', scopes: ['read'] })).status,
    ).toBe(201);
    expect(await countRows('api_keys', 'user_id IN (?, ?)', unverified.userId, enrolled.userId)).toBe(1);
  });

  it('keeps an owner to 50 live keys, under parallel requests too', async () => {
    const client = await register();
    await markVerified(client.userId);
    const now = Date.now();
    await env.DB.batch(
      Array.from({ length: 45 }, (_, i) =>
        env.DB.prepare(
          `INSERT INTO api_keys (id, key_hash, start, last4, user_id, name, scopes, rate_limit_per_minute, created_at)
           VALUES (?, ?, 'lk_test_xxxx', 'xxxx', ?, 'live', 'read', 600, ?)`,
        ).bind(`live-${client.userId}-${i}`, `live-hash-${client.userId}-${i}`, client.userId, now),
      ),
    );
    const responses = await Promise.all(
      Array.from({ length: 9 }, () =>
        jsonCall('POST', '/api/me/api-keys', client.accessToken, { name: 'x', scopes: ['read'] }),
      ),
    );
    expect(responses.filter((response) => response.status === 201)).toHaveLength(5);
    for (const response of responses.filter((r) => r.status !== 201)) {
      await expectError(response, 409, 'API_KEY_LIMIT_REACHED');
    }
    expect(await countRows('api_keys', 'user_id = ?', client.userId)).toBe(50);
    expect(await countRows('audit_log', "action = 'api_key.created' AND user_id = ?", client.userId)).toBe(5);
    expect(await emailsTo(client.email, 'api_key_created')).toHaveLength(5);
  });

  it('lets a user make 20 keys an hour, exactly under parallel requests, then 429 with Retry-After', async () => {
    const client = await register();
    await markVerified(client.userId);
    const make = () => jsonCall('POST', '/api/me/api-keys', client.accessToken, { name: 'x', scopes: ['read'] });
    const responses = await Promise.all(Array.from({ length: 26 }, make));
    const made = responses.filter((response) => response.status === 201);
    expect(made).toHaveLength(20);
    for (const response of responses.filter((r) => r.status !== 201)) {
      await expectError(response, 429, 'RATE_LIMITED');
      expect(Number(response.headers.get('Retry-After'))).toBeGreaterThan(3500);
    }
    // Revoking gives nothing back.
    const { id } = await made[0]!.json<{ id: string }>();
    expect((await jsonCall('DELETE', `/api/me/api-keys/${id}`, client.accessToken)).status).toBe(200);
    await expectError(await make(), 429, 'RATE_LIMITED');
    expect(await countRows('api_keys', 'user_id = ?', client.userId)).toBe(20);
    expect(await emailsTo(client.email, 'api_key_created')).toHaveLength(20);
  });

  it('keeps the newest 50 revoked or expired keys when one is made: no lockout, no endless list', async () => {
    const client = await register();
    await markVerified(client.userId);
    const now = Date.now();
    const revoked = Array.from({ length: 60 }, (_, i) =>
      env.DB.prepare(
        `INSERT INTO api_keys (id, key_hash, start, last4, user_id, name, scopes, rate_limit_per_minute, created_at, revoked_at)
         VALUES (?, ?, 'lk_test_xxxx', 'xxxx', ?, 'old', 'read', 600, ?, ?)`,
      ).bind(
        `old-${client.userId}-${i}`,
        `hash-${client.userId}-${i}`,
        client.userId,
        now - 100_000,
        now - 100_000 + i,
      ),
    );
    await env.DB.batch(revoked);
    const made = await makeKey(client);
    expect(await countRows('api_keys', 'user_id = ? AND revoked_at IS NOT NULL', client.userId)).toBe(50);
    // The oldest revocations went; the newest stayed.
    expect(await countRows('api_keys', 'id = ?', `old-${client.userId}-0`)).toBe(0);
    expect(await countRows('api_keys', 'id = ?', `old-${client.userId}-59`)).toBe(1);
    expect((await keyRow(made.id))!.revoked_at).toBeNull();
  });

  it('emails the maker when a key is made', async () => {
    const { client, key } = await userWithKey({ scopes: ['read', 'write'] });
    const emails = await emailsTo(client.email, 'api_key_created');
    expect(emails).toHaveLength(1);
    expect(emails[0]!.text_body).toContain(`${key.start}…${key.last4}`);
    expect(emails[0]!.text_body).toContain('read, write');
    expect(emails[0]!.text_body).not.toContain(key.key);
  });
});

describe('signed out', () => {
  it('answers 401 on every key-management route, changing nothing', async () => {
    const before = await countRows('api_keys');
    for (const [method, path] of [
      ['GET', '/api/me/api-keys'],
      ['POST', '/api/me/api-keys'],
      ['DELETE', '/api/me/api-keys/some-id'],
      ['GET', '/api/orgs/some-id/api-keys'],
      ['POST', '/api/orgs/some-id/api-keys'],
      ['DELETE', '/api/orgs/some-id/api-keys/some-key'],
      ['GET', '/api/api-keys/self'],
      ['GET', '/api/admin/users/some-id/api-keys'],
      ['POST', '/api/admin/api-keys/some-id/revoke'],
    ] as const) {
      const body = method === 'POST' ? { name: 'x', scopes: ['read'] } : undefined;
      await expectError(await jsonCall(method, path, null, body), 401, 'AUTH_HEADER_MISSING');
      // /api/api-keys/self takes nothing but a key.
      const notAToken = path === '/api/api-keys/self' ? 'API_KEY_MALFORMED' : 'TOKEN_INVALID';
      await expectError(await jsonCall(method, path, 'not-a-token', body), 401, notAToken);
    }
    expect(await countRows('api_keys')).toBe(before);
  });
});

describe('using a key', () => {
  it('reads the account with the read scope, and changes it with write', async () => {
    const { client, key } = await userWithKey({ scopes: ['read'] });
    const me = await withKey(key.key, '/api/me');
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: client.userId, email: client.email });
    expect(me.headers.get('RateLimit-Limit')).toBe('600');
    expect(me.headers.get('RateLimit-Remaining')).toBe('599');
    // Browsers may read them (CORS exposes them to an allowed origin).
    const fromBrowser = await withKey(key.key, '/api/me', { headers: { Origin: TEST_APP_URL } });
    expect(fromBrowser.headers.get('Access-Control-Expose-Headers')).toContain('RateLimit-Remaining');

    const rename = () =>
      withKey(key.key, '/api/me', {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'Renamed by script' }),
      });
    const refused = await expectError(await rename(), 403, 'INSUFFICIENT_SCOPE');
    expect(refused.error).toContain('write');
    expect((await rename()).headers.get('WWW-Authenticate')).toBe('Bearer error="insufficient_scope", scope="write"');
    expect((await env.DB.prepare('SELECT name FROM users WHERE id = ?').bind(client.userId).first())!.name).not.toBe(
      'Renamed by script',
    );
    const writer = await makeKey(client, { scopes: ['write'] });
    const renamed = await withKey(writer.key, '/api/me', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Renamed by script' }),
    });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ name: 'Renamed by script' });
    await expectError(await withKey(writer.key, '/api/me'), 403, 'INSUFFICIENT_SCOPE');
  });

  it('reads the subscription with billing:read; the paid example with read and a subscription', async () => {
    const { client, key } = await userWithKey({ scopes: ['billing:read'] });
    const subscription = await withKey(key.key, '/api/billing/subscription');
    expect(subscription.status).toBe(200);
    expect(await subscription.json()).toMatchObject({ status: 'none' });
    const reader = await makeKey(client, { scopes: ['read'] });
    await expectError(await withKey(reader.key, '/api/billing/subscription'), 403, 'INSUFFICIENT_SCOPE');
    await expectError(await withKey(reader.key, '/api/examples/paid'), 402, 'SUBSCRIPTION_REQUIRED');
    await subscribeUser(client.userId);
    expect((await withKey(reader.key, '/api/examples/paid')).status).toBe(200);
    await expectError(await withKey(key.key, '/api/examples/paid'), 403, 'INSUFFICIENT_SCOPE');
  });

  it('GET /api/api-keys/self describes the presented key, whatever its scopes', async () => {
    const { client, key } = await userWithKey({ scopes: ['billing:read'], rate_limit_per_minute: 100 });
    const response = await withKey(key.key, '/api/api-keys/self');
    expect(response.status).toBe(200);
    const body = await response.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      id: key.id,
      owner: { type: 'user', id: client.userId },
      scopes: ['billing:read'],
      status: 'active',
      created_by: client.userId,
      rate_limit: { limit: 100, remaining: 99 },
    });
    expect(JSON.stringify(body)).not.toContain(key.key);
    await expectError(
      await call('/api/api-keys/self', { headers: bearer(client.accessToken) }),
      401,
      'API_KEY_MALFORMED',
    );
    await expectError(await call('/api/api-keys/self'), 401, 'AUTH_HEADER_MISSING');
  });

  it('refuses a mistyped, truncated or made-up key with no D1 statement, and an unknown one with one read', async () => {
    const { key } = await userWithKey();
    for (const presented of [
      typo(key.key),
      key.key.slice(0, -1),
      `${key.key}x`,
      'lk_test_nope',
      `lk_live_${key.key.slice(8)}`,
    ]) {
      const { response, before, after } = await measure('/api/me', { headers: bearer(presented) });
      await expectError(response, 401, 'API_KEY_MALFORMED');
      expect(response.headers.get('WWW-Authenticate')).toBe('Bearer error="invalid_token"');
      expect(before.roundTrips + after.roundTrips).toBe(0);
    }
    const other = await userWithKey();
    await env.DB.prepare('DELETE FROM api_keys WHERE id = ?').bind(other.key.id).run();
    const unknown = await measure('/api/me', { headers: bearer(other.key.key) });
    await expectError(unknown.response, 401, 'API_KEY_INVALID');
    expect(unknown.before.roundTrips).toBe(1);
    expect(unknown.after.roundTrips).toBe(0);
  });

  it('checks a good key in one D1 round trip, and records the last use after the response at most once a minute', async () => {
    const { key } = await userWithKey({ scopes: ['read', 'billing:read'] });
    const first = await measure('/api/api-keys/self', { headers: bearer(key.key) });
    expect(first.response.status).toBe(200);
    expect(first.before.roundTrips).toBe(1);
    expect(first.after.roundTrips).toBe(1);
    const used = (await keyRow(key.id))!.last_used_at as number;
    expect(used).toBeGreaterThan(0);

    const second = await measure('/api/api-keys/self', { headers: bearer(key.key) });
    expect(second.response.status).toBe(200);
    expect(second.after.roundTrips).toBe(0);
    expect((await keyRow(key.id))!.last_used_at).toBe(used);

    // Routes that read the account read it in the key's own batch: one round trip in all.
    for (const path of ['/api/me', '/api/billing/subscription']) {
      const { response, before } = await measure(path, { headers: bearer(key.key) });
      expect(response.status).toBe(200);
      expect(before.roundTrips).toBe(1);
    }

    advanceClock(61_000);
    const later = await measure('/api/api-keys/self', { headers: bearer(key.key) });
    expect(later.response.status).toBe(200);
    expect(later.after.roundTrips).toBe(1);
    expect((await keyRow(key.id))!.last_used_at as number).toBeGreaterThan(used);
  });

  it('stops a revoked key on the next request, and records one revocation of parallel ones', async () => {
    const { client, key } = await userWithKey();
    expect((await withKey(key.key, '/api/me')).status).toBe(200);
    const revocations = await Promise.all(
      Array.from({ length: 5 }, () => jsonCall('DELETE', `/api/me/api-keys/${key.id}`, client.accessToken)),
    );
    for (const response of revocations) {
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: key.id, status: 'revoked' });
    }
    await expectError(await withKey(key.key, '/api/me'), 401, 'API_KEY_REVOKED');
    expect(await countRows('audit_log', "action = 'api_key.revoked' AND user_id = ?", client.userId)).toBe(1);
    const listed = await (
      await jsonCall('GET', '/api/me/api-keys', client.accessToken)
    ).json<{
      api_keys: { status: string }[];
    }>();
    expect(listed.api_keys[0]!.status).toBe('revoked');
  });

  it("refuses another user's key id with 404 and revokes nothing", async () => {
    const { key } = await userWithKey();
    const other = await register();
    await expectError(await jsonCall('DELETE', `/api/me/api-keys/${key.id}`, other.accessToken), 404, 'NOT_FOUND');
    expect((await keyRow(key.id))!.revoked_at).toBeNull();
    expect((await withKey(key.key, '/api/me')).status).toBe(200);
  });

  it('stops an expired key', async () => {
    const { key } = await userWithKey({ expires_at: new Date(Date.now() + 60 * 60_000).toISOString() });
    expect((await withKey(key.key, '/api/me')).status).toBe(200);
    advanceClock(61 * 60_000);
    await expectError(await withKey(key.key, '/api/me'), 401, 'API_KEY_EXPIRED');
  });

  it("stops a disabled user's keys at once, and a deleted user's", async () => {
    const admin = await registerAdmin();
    const { client, key } = await userWithKey();
    expect((await withKey(key.key, '/api/me')).status).toBe(200);
    expect((await jsonCall('POST', `/api/admin/users/${client.userId}/disable`, admin.accessToken)).status).toBe(200);
    const refused = await expectError(await withKey(key.key, '/api/me'), 401, 'API_KEY_INVALID');
    expect(refused.error).toContain('disabled');
    expect((await jsonCall('POST', `/api/admin/users/${client.userId}/enable`, admin.accessToken)).status).toBe(200);
    expect((await withKey(key.key, '/api/me')).status).toBe(200);

    const deleted = await userWithKey();
    const gone = await call('/api/me', {
      method: 'DELETE',
      headers: { ...bearer(deleted.client.accessToken), 'Content-Type': 'application/json' },
      body: JSON.stringify({ password: STRONG_PASSWORD }),
    });
    expect(gone.status).toBe(204);
    await expectError(await withKey(deleted.key.key, '/api/me'), 401, 'API_KEY_INVALID');
    expect(await countRows('api_keys', 'id = ?', deleted.key.id)).toBe(0);
  });

  it('holds the per-key limit exactly under parallel requests, answering 429 with Retry-After', async () => {
    // Mid-minute, so the burst stays in one window.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Math.floor(Date.now() / 60_000) * 60_000 + 60_000 + 20_000);
    const { key } = await userWithKey({ rate_limit_per_minute: 5 });
    const responses = await Promise.all(Array.from({ length: 12 }, () => withKey(key.key, '/api/api-keys/self')));
    expect(responses.filter((response) => response.status === 200)).toHaveLength(5);
    for (const response of responses.filter((r) => r.status !== 200)) {
      await expectError(response, 429, 'RATE_LIMITED');
      expect(Number(response.headers.get('Retry-After'))).toBe(40);
    }
    expect(responses.find((r) => r.status === 429)!.headers.get('RateLimit-Remaining')).toBe('0');
    advanceClock(40_000);
    expect((await withKey(key.key, '/api/api-keys/self')).status).toBe(200);
  });

  it('counts a request stamped with an earlier minute in the current one, never starting the count again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const minute = Math.floor(Date.now() / 60_000) * 60_000 + 120_000;
    vi.setSystemTime(minute + 5_000);
    const { key } = await userWithKey({ rate_limit_per_minute: 2 });
    for (let i = 0; i < 2; i++) expect((await withKey(key.key, '/api/api-keys/self')).status).toBe(200);
    // A request whose worker read the clock before the minute turned, reaching D1 after.
    vi.setSystemTime(minute - 1_000);
    await expectError(await withKey(key.key, '/api/api-keys/self'), 429, 'RATE_LIMITED');
    vi.setSystemTime(minute + 6_000);
    await expectError(await withKey(key.key, '/api/api-keys/self'), 429, 'RATE_LIMITED');
  });

  it('refuses keys on every route that does not take them, changing nothing', async () => {
    const { client, key } = await userWithKey({ scopes: [...API_KEY_SCOPE_NAMES] });
    const document = await (
      await call('/api/openapi.json')
    ).json<{
      paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
    }>();
    let refused = 0;
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const security = operation.security ?? [];
        // Routes where the bearer token is optional (`{}`) read their own token from the body.
        const takesBearer =
          security.some((scheme) => 'Bearer' in scheme) && !security.some((s) => Object.keys(s).length === 0);
        if (!takesBearer || security.some((scheme) => 'ApiKey' in scheme)) continue;
        const url = path.replace(/\{[^}]+\}/g, 'some-id');
        const response = await withKey(key.key, url, {
          method: method.toUpperCase(),
          headers: { 'Content-Type': 'application/json' },
          body: method === 'get' ? undefined : JSON.stringify({}),
        });
        expect(response.status, `${method} ${path}`).toBe(401);
        expect((await response.json<{ code: string }>()).code, `${method} ${path}`).toBe('TOKEN_INVALID');
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(40);
    expect(await countRows('api_keys', 'user_id = ?', client.userId)).toBe(1);
    expect(await countRows('sessions', 'user_id = ? AND revoked_at IS NULL', client.userId)).toBe(1);
  });

  it('enforces the named scope on every route that takes keys', async () => {
    const { client } = await userWithKey();
    const { org, owner } = await team();
    await markVerified(owner.userId);
    const document = await (
      await call('/api/openapi.json')
    ).json<{
      paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
    }>();
    const keyRoutes = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .map(([method, operation]) => ({ path, method, scheme: operation.security?.find((s) => 'ApiKey' in s) }))
        .filter((route) => route.scheme !== undefined),
    );
    expect(keyRoutes.map((route) => `${route.method} ${route.path}`).sort()).toEqual([
      'get /api/api-keys/self',
      'get /api/billing/subscription',
      'get /api/examples/paid',
      'get /api/me',
      'get /api/orgs/{id}/billing',
      'patch /api/me',
    ]);
    for (const { path, method, scheme } of keyRoutes) {
      const needed = scheme!.ApiKey!;
      if (needed.length === 0) continue;
      const others = API_KEY_SCOPE_NAMES.filter((scope) => !needed.includes(scope));
      const forOrg = path.startsWith('/api/orgs/');
      const holder: NewKey = forOrg
        ? await makeKey(owner, { scopes: others }, org.id)
        : await makeKey(client, { scopes: others });
      const response = await withKey(holder.key, path.replace('{id}', org.id), {
        method: method.toUpperCase(),
        headers: { 'Content-Type': 'application/json' },
        body: method === 'get' ? undefined : JSON.stringify({ name: 'x' }),
      });
      await expectError(response, 403, 'INSUFFICIENT_SCOPE');
    }
  });
});

describe("an organization's keys", () => {
  it('admins and owners make, list and revoke them; members and outsiders cannot', async () => {
    const { org, owner, admin, member, outsider } = await team();
    const byOwner = await makeKey(owner, { scopes: ['billing:read'] }, org.id);
    expect(byOwner.owner).toEqual({ type: 'organization', id: org.id });
    const byAdmin = await makeKey(admin, { scopes: ['read'] }, org.id);
    const body = { name: 'x', scopes: ['read'] };
    await expectError(await orgCall(member, 'POST', `/${org.id}/api-keys`, body), 403, 'ORG_ROLE_REQUIRED');
    // A member whose sign-in is old hears about the role, not "confirm it is you" first.
    advanceClock(11 * 60_000);
    const stale = await call('/api/auth/refresh', {
      method: 'POST',
      headers: { Cookie: `refresh_token=${member.refreshToken}` },
    });
    const { access_token: staleToken } = await stale.json<{ access_token: string }>();
    await expectError(
      await jsonCall('POST', `/api/orgs/${org.id}/api-keys`, staleToken, body),
      403,
      'ORG_ROLE_REQUIRED',
    );
    vi.useRealTimers();
    await expectError(await orgCall(outsider, 'POST', `/${org.id}/api-keys`, body), 404, 'NOT_FOUND');
    await expectError(await orgCall(null, 'POST', `/${org.id}/api-keys`, body), 401, 'AUTH_HEADER_MISSING');
    await expectError(await orgCall(member, 'GET', `/${org.id}/api-keys`), 403, 'ORG_ROLE_REQUIRED');
    await expectError(await orgCall(outsider, 'GET', `/${org.id}/api-keys`), 404, 'NOT_FOUND');
    await expectError(await orgCall(member, 'DELETE', `/${org.id}/api-keys/${byAdmin.id}`), 403, 'ORG_ROLE_REQUIRED');
    await expectError(await orgCall(outsider, 'DELETE', `/${org.id}/api-keys/${byAdmin.id}`), 404, 'NOT_FOUND');
    expect(await countRows('api_keys', 'organization_id = ?', org.id)).toBe(2);

    const listed = await orgCall(admin, 'GET', `/${org.id}/api-keys`);
    expect(listed.status).toBe(200);
    const { api_keys } = await listed.json<{ api_keys: { id: string }[] }>();
    expect(api_keys.map((key) => key.id)).toEqual([byAdmin.id, byOwner.id]);

    // A user's own key id is not the organization's to revoke.
    const mine = await makeKey(admin);
    await expectError(await orgCall(admin, 'DELETE', `/${org.id}/api-keys/${mine.id}`), 404, 'NOT_FOUND');
    const revoked = await orgCall(admin, 'DELETE', `/${org.id}/api-keys/${byOwner.id}`);
    expect(revoked.status).toBe(200);
    await expectError(await withKey(byOwner.key, `/api/orgs/${org.id}/billing`), 401, 'API_KEY_REVOKED');
    expect(await countRows('audit_log', "action = 'api_key.revoked' AND metadata LIKE ?", `%${byOwner.id}%`)).toBe(1);
  });

  it("reads the organization's billing and paid features with its key, and nothing of a user", async () => {
    const { org, owner } = await team();
    const other = await team();
    const key = await makeKey(owner, { scopes: ['billing:read', 'read'] }, org.id);
    const billing = await withKey(key.key, `/api/orgs/${org.id}/billing`);
    expect(billing.status).toBe(200);
    expect(await billing.json()).toMatchObject({ subscription: { status: 'none' } });
    await expectError(await withKey(key.key, `/api/orgs/${other.org.id}/billing`), 404, 'NOT_FOUND');
    const refused = await withKey(key.key, '/api/me');
    await expectError(refused, 403, 'FORBIDDEN');
    expect(refused.headers.get('RateLimit-Limit')).toBe('600');
    // The owner is checked before the scope: the scope would not help.
    const billingOnly = await makeKey(owner, { scopes: ['billing:read'] }, org.id);
    await expectError(await withKey(billingOnly.key, '/api/me'), 403, 'FORBIDDEN');
    await expectError(await withKey(key.key, '/api/examples/paid'), 402, 'SUBSCRIPTION_REQUIRED');
    await subscribeOrganization(org.id);
    expect((await withKey(key.key, '/api/examples/paid')).status).toBe(200);
    // A user's key does not read an organization's billing, even the owner's.
    const userKey = await makeKey(owner, { scopes: ['billing:read'] });
    await expectError(await withKey(userKey.key, `/api/orgs/${org.id}/billing`), 403, 'FORBIDDEN');
  });

  it('stops working when the organization is deleted, and keeps working when its maker leaves', async () => {
    const { org, owner, admin } = await team();
    const key = await makeKey(admin, {}, org.id);
    await env.DB.prepare('DELETE FROM memberships WHERE organization_id = ? AND user_id = ?')
      .bind(org.id, admin.userId)
      .run();
    expect((await withKey(key.key, '/api/api-keys/self')).status).toBe(200);
    expect((await orgCall(owner, 'DELETE', `/${org.id}`)).status).toBe(204);
    await expectError(await withKey(key.key, '/api/api-keys/self'), 401, 'API_KEY_INVALID');
  });
});

describe('the admin area', () => {
  it("lists any user's and organization's keys and revokes any, audited; others get 403", async () => {
    const admin = await registerAdmin();
    const { client, key } = await userWithKey();
    const { org, owner } = await team();
    const orgKey = await makeKey(owner, {}, org.id);

    const userKeys = await jsonCall('GET', `/api/admin/users/${client.userId}/api-keys`, admin.accessToken);
    expect(userKeys.status).toBe(200);
    expect((await userKeys.json<{ api_keys: { id: string }[] }>()).api_keys.map((k) => k.id)).toEqual([key.id]);
    const orgKeys = await jsonCall('GET', `/api/admin/orgs/${org.id}/api-keys`, admin.accessToken);
    expect((await orgKeys.json<{ api_keys: { id: string }[] }>()).api_keys.map((k) => k.id)).toEqual([orgKey.id]);
    await expectError(await jsonCall('GET', '/api/admin/users/nobody/api-keys', admin.accessToken), 404, 'NOT_FOUND');
    await expectError(await jsonCall('GET', '/api/admin/orgs/nothing/api-keys', admin.accessToken), 404, 'NOT_FOUND');

    await expectError(
      await jsonCall('POST', `/api/admin/api-keys/${key.id}/revoke`, client.accessToken),
      403,
      'FORBIDDEN',
    );
    await expectError(
      await withKey(key.key, `/api/admin/api-keys/${key.id}/revoke`, { method: 'POST' }),
      401,
      'TOKEN_INVALID',
    );
    expect((await keyRow(key.id))!.revoked_at).toBeNull();

    for (const id of [key.id, orgKey.id]) {
      const revoked = await jsonCall('POST', `/api/admin/api-keys/${id}/revoke`, admin.accessToken);
      expect(revoked.status).toBe(200);
      expect(await revoked.json()).toMatchObject({ id, status: 'revoked' });
    }
    await expectError(await withKey(key.key, '/api/me'), 401, 'API_KEY_REVOKED');
    await expectError(await withKey(orgKey.key, '/api/api-keys/self'), 401, 'API_KEY_REVOKED');
    const entry = await env.DB.prepare(
      "SELECT user_id, actor_id FROM audit_log WHERE action = 'admin.api_key_revoked' AND metadata LIKE ?",
    )
      .bind(`%${key.id}%`)
      .first();
    expect(entry).toEqual({ user_id: client.userId, actor_id: admin.userId });
    await expectError(
      await jsonCall('POST', '/api/admin/api-keys/nothing/revoke', admin.accessToken),
      404,
      'NOT_FOUND',
    );
  });
});

describe('settings', () => {
  it('uses API_KEY_PREFIX and API_KEY_RATE_LIMIT, and names a bad one', async () => {
    const client = await register();
    await markVerified(client.userId);
    const settings = { API_KEY_PREFIX: 'acme_live_', API_KEY_RATE_LIMIT: '20' };
    const made = await callWithBindings(settings, '/api/me/api-keys', {
      method: 'POST',
      headers: { ...bearer(client.accessToken), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'x', scopes: ['read'] }),
    });
    expect(made.status).toBe(201);
    const key = await made.json<NewKey>();
    expect(key.key.startsWith('acme_live_')).toBe(true);
    expect(key.rate_limit_per_minute).toBe(20);
    expect((await callWithBindings(settings, '/api/me', { headers: bearer(key.key) })).status).toBe(200);
    // Under another prefix (another environment), the key is refused on sight.
    await expectError(await withKey(key.key, '/api/me'), 401, 'API_KEY_MALFORMED');

    for (const bad of [
      { API_KEY_PREFIX: 'Acme_' },
      { API_KEY_PREFIX: 'acme' },
      { API_KEY_RATE_LIMIT: '0' },
      { API_KEY_RATE_LIMIT: 'lots' },
    ]) {
      const response = await callWithBindings(bad, '/api/health');
      const body = await expectError(response, 500, 'CONFIG_ERROR');
      expect(body.error).toContain(Object.keys(bad)[0]);
    }
  });
});
