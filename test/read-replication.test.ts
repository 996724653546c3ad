// D1 read replication: which requests read from a replica session (and from which bookmark), which
// stay on the primary, and the X-D1-Bookmark header that carries read-your-writes between requests.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { bearer, cookieHeader, register, registerAdmin } from './support/auth';
import { laggingReplicaD1, sessionRecordingD1 } from './support/d1';
import { call, callWithBindings, expectError } from './support/http';
import { TEST_APP_URL } from './support/settings';

const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

/** Calls the Worker and reports the D1 sessions it opened, in order. */
async function sessionsFor(path: string, init: RequestInit = {}) {
  const { db, sessionsOpened } = sessionRecordingD1(env.DB);
  const response = await callWithBindings({ DB: db }, path, init);
  return { response, sessionsOpened };
}

function bookmarkOf(response: Response): string {
  const bookmark = response.headers.get('X-D1-Bookmark');
  expect(bookmark).toMatch(BOOKMARK);
  return bookmark!;
}

describe('read replication', () => {
  it('pure reads start a replica session: unconstrained without a bookmark, at the bookmark with one', async () => {
    const client = await register();
    const first = await sessionsFor('/api/me', { headers: bearer(client.accessToken) });
    expect(first.response.status).toBe(200);
    expect(first.sessionsOpened).toEqual(['first-unconstrained']);
    const bookmark = bookmarkOf(first.response);

    const next = await sessionsFor('/api/me', {
      headers: { ...bearer(client.accessToken), 'X-D1-Bookmark': bookmark },
    });
    expect(next.response.status).toBe(200);
    expect(next.sessionsOpened).toEqual([bookmark]);
    expect(bookmarkOf(next.response) >= bookmark).toBe(true);

    const subscription = await sessionsFor('/api/billing/subscription', { headers: bearer(client.accessToken) });
    expect(subscription.response.status).toBe(200);
    expect(subscription.sessionsOpened).toEqual(['first-unconstrained']);
  });

  it('a read with the bookmark a write returned sees the write', async () => {
    const client = await register();
    const renamed = await sessionsFor('/api/me', {
      method: 'PATCH',
      headers: { ...bearer(client.accessToken), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Renamed' }),
    });
    expect(renamed.response.status).toBe(200);
    expect(renamed.sessionsOpened).toEqual(['first-primary']);
    const afterWrite = bookmarkOf(renamed.response);

    const read = await sessionsFor('/api/me', {
      headers: { ...bearer(client.accessToken), 'X-D1-Bookmark': afterWrite },
    });
    expect(read.sessionsOpened).toEqual([afterWrite]);
    expect(await read.response.json()).toMatchObject({ name: 'Renamed' });
  });

  it('bookmarks advance as the database changes', async () => {
    const client = await register();
    const before = bookmarkOf((await sessionsFor('/api/me', { headers: bearer(client.accessToken) })).response);
    const revoked = await sessionsFor('/api/auth/logout-all', { method: 'POST', headers: bearer(client.accessToken) });
    expect(revoked.response.status).toBe(204);
    expect(bookmarkOf(revoked.response) > before).toBe(true);
  });

  it('anonymous callers get no bookmark (it would let them count the writes a request made)', async () => {
    const client = await register();
    const anonymous: [string, RequestInit][] = [
      ['/api/health', {}],
      ['/api/auth/refresh', { method: 'POST', headers: cookieHeader(client.refreshToken) }],
      [
        '/api/auth/password/forgot',
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: client.email }),
        },
      ],
    ];
    for (const [path, init] of anonymous) {
      const { response, sessionsOpened } = await sessionsFor(path, init);
      expect(response.status, path).toBeLessThan(300);
      expect(sessionsOpened.length, path).toBeGreaterThan(0);
      expect(response.headers.get('X-D1-Bookmark'), path).toBeNull();
    }
  });

  it('ignores a malformed bookmark (the read starts unconstrained) and answers normally', async () => {
    const client = await register();
    for (const bad of ['garbage', 'ffffffff-ffffffff-ffffffff-' + 'f'.repeat(33), 'x'.repeat(5000), "0' OR 1=1"]) {
      const { response, sessionsOpened } = await sessionsFor('/api/me', {
        headers: { ...bearer(client.accessToken), 'X-D1-Bookmark': bad },
      });
      expect(response.status).toBe(200);
      expect(sessionsOpened).toEqual(['first-unconstrained']);
    }
  });

  it('writes and every check a decision rests on use the primary, whatever bookmark is sent', async () => {
    const client = await register();
    const stale = bookmarkOf((await sessionsFor('/api/me', { headers: bearer(client.accessToken) })).response);
    const withStale = { 'X-D1-Bookmark': stale };
    const cases: [string, RequestInit][] = [
      ['/api/auth/refresh', { method: 'POST', headers: { ...cookieHeader(client.refreshToken), ...withStale } }],
      [
        '/api/auth/login',
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...withStale },
          body: JSON.stringify({ email: client.email, password: 'not-the-password-1' }),
        },
      ],
      ['/api/health', { headers: withStale }],
      // A paid feature: the subscription a webhook just recorded must count at once.
      ['/api/examples/paid', { headers: { ...bearer(client.accessToken), ...withStale } }],
    ];
    for (const [path, init] of cases) {
      const { sessionsOpened } = await sessionsFor(path, init);
      expect(sessionsOpened, path).toEqual(['first-primary']);
    }
  });

  it('guards check the session at the primary; the listing after them reads from the replica', async () => {
    const client = await register();
    for (const path of ['/api/auth/sessions', '/api/me/accounts']) {
      const { response, sessionsOpened } = await sessionsFor(path, { headers: bearer(client.accessToken) });
      expect(response.status, path).toBe(200);
      expect(sessionsOpened, path).toEqual(['first-primary', 'first-unconstrained']);
    }

    const boss = await registerAdmin();
    for (const path of [
      '/api/admin/users',
      '/api/admin/stats',
      '/api/admin/audit',
      `/api/admin/users/${client.userId}`,
    ]) {
      const { response, sessionsOpened } = await sessionsFor(path, { headers: bearer(boss.accessToken) });
      expect(response.status, path).toBe(200);
      expect(sessionsOpened, path).toEqual(['first-primary', 'first-unconstrained']);
    }
  });

  it('a replica that is behind (no bookmark sent) does not turn a fresh session into a 401', async () => {
    const client = await register();
    const { db, sessionsOpened } = sessionRecordingD1(laggingReplicaD1(env.DB));
    const response = await callWithBindings({ DB: db }, '/api/me', { headers: bearer(client.accessToken) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: client.userId });
    // The replica showed no session; the primary decided.
    expect(sessionsOpened).toEqual(['first-unconstrained', 'first-primary']);

    // A session that really ended is refused after both.
    expect((await call('/api/auth/logout-all', { method: 'POST', headers: bearer(client.accessToken) })).status).toBe(
      204,
    );
    const ended = await callWithBindings({ DB: db }, '/api/me', { headers: bearer(client.accessToken) });
    await expectError(ended, 401, 'TOKEN_INVALID');
  });

  it('a replica that is behind does not turn fresh rows into 404s, nor an admin change into a wrong answer', async () => {
    const client = await register();
    const lagging = laggingReplicaD1(env.DB);
    const accounts = await callWithBindings({ DB: lagging }, '/api/me/accounts', {
      headers: bearer(client.accessToken),
    });
    expect(accounts.status).toBe(200);
    expect(await accounts.json()).toMatchObject({ accounts: [], has_password: true });

    const boss = await registerAdmin();
    const detail = await callWithBindings({ DB: lagging }, `/api/admin/users/${client.userId}`, {
      headers: bearer(boss.accessToken),
    });
    expect(detail.status).toBe(200);
    // The change's answer (and its LAST_ADMIN check) is read back from the primary.
    const disabled = await callWithBindings({ DB: lagging }, `/api/admin/users/${client.userId}/disable`, {
      method: 'POST',
      headers: bearer(boss.accessToken),
    });
    expect(disabled.status).toBe(200);
    expect(await disabled.json()).toMatchObject({ user: { id: client.userId, disabled: true } });
    const promoted = await callWithBindings({ DB: lagging }, `/api/admin/users/${client.userId}/role`, {
      method: 'PATCH',
      headers: { ...bearer(boss.accessToken), 'Content-Type': 'application/json' },
      body: JSON.stringify({ role: 'admin' }),
    });
    expect(promoted.status).toBe(200);
    expect(await promoted.json()).toMatchObject({ user: { role: 'admin' } });
  });

  it('a request that never touches D1 sends no bookmark', async () => {
    const { response, sessionsOpened } = await sessionsFor('/api/me', { headers: bearer('a.b.c') });
    expect(response.status).toBe(401);
    expect(sessionsOpened).toEqual([]);
    expect(response.headers.get('X-D1-Bookmark')).toBeNull();
  });

  it('browsers may send the header and read it (CORS)', async () => {
    const preflight = await call('/api/me', {
      method: 'OPTIONS',
      headers: {
        Origin: TEST_APP_URL,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization,x-d1-bookmark',
      },
    });
    expect(preflight.headers.get('Access-Control-Allow-Headers')?.toLowerCase()).toContain('x-d1-bookmark');
    const client = await register();
    const response = await call('/api/me', { headers: { ...bearer(client.accessToken), Origin: TEST_APP_URL } });
    expect(response.headers.get('Access-Control-Expose-Headers')).toContain('X-D1-Bookmark');
  });
});
