// /api/auth/sessions, logout-all, and the two guards: stateless requireAuth vs requireLiveSession.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { bearer, countRows, login, refresh, register, STRONG_PASSWORD } from './support/auth';
import { loadSettings } from '../src/middleware/load-config';
import { requireAuth } from '../src/middleware/require-auth';
import { createRouter } from '../src/router';
import { call, cookieValue, expectError } from './support/http';

async function listSessions(accessToken: string) {
  const response = await call('/api/auth/sessions', { headers: bearer(accessToken) });
  expect(response.status).toBe(200);
  return (
    await response.json<{
      sessions: { id: string; created_at: string; last_used_at: string; user_agent: string | null; current: boolean }[];
    }>()
  ).sessions;
}

describe('GET /api/auth/sessions', () => {
  it("lists my live sessions with the current one marked, and nobody else's", async () => {
    const client = await register();
    const other = await login(client.email, STRONG_PASSWORD, undefined, { 'User-Agent': 'Phone/1.0' });
    const { access_token: phoneToken } = await other.json<{ access_token: string }>();
    await register();
    const sessions = await listSessions(phoneToken);
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const current = sessions.find((s) => s.current)!;
    expect(current.user_agent).toBe('Phone/1.0');
    expect(Object.keys(current).sort()).toEqual(['created_at', 'current', 'id', 'last_used_at', 'user_agent']);
    expect(current.created_at).toMatch(/Z$/);
  });

  it('requires a bearer token', async () => {
    const response = await call('/api/auth/sessions');
    await expectError(response, 401, 'AUTH_HEADER_MISSING');
  });
});

describe('DELETE /api/auth/sessions/:id', () => {
  it('revokes one of my sessions: its refresh fails and it leaves the list', async () => {
    const client = await register();
    const second = await login(client.email, STRONG_PASSWORD);
    const secondCookie = cookieValue(second, 'refresh_token')!;
    const target = (await listSessions(client.accessToken)).find((s) => !s.current)!;
    const response = await call(`/api/auth/sessions/${target.id}`, {
      method: 'DELETE',
      headers: bearer(client.accessToken),
    });
    expect(response.status).toBe(204);
    expect((await listSessions(client.accessToken)).map((s) => s.id)).not.toContain(target.id);
    await expectError(await refresh(secondCookie), 401, 'REFRESH_TOKEN_INVALID');
    expect(await countRows('audit_log', "user_id = ? AND action = 'session.revoked'", client.userId)).toBe(1);
  });

  it("answers 404 for another user's session and leaves it alive", async () => {
    const me = await register();
    const victim = await register();
    const victimSession = (await listSessions(victim.accessToken))[0]!;
    const response = await call(`/api/auth/sessions/${victimSession.id}`, {
      method: 'DELETE',
      headers: bearer(me.accessToken),
    });
    await expectError(response, 404, 'NOT_FOUND');
    expect((await refresh(victim.refreshToken)).status).toBe(200);
  });

  it('answers 404 for unknown or already revoked ids', async () => {
    const client = await register();
    expect(
      (await call('/api/auth/sessions/nope', { method: 'DELETE', headers: bearer(client.accessToken) })).status,
    ).toBe(404);
    const other = await login(client.email, STRONG_PASSWORD);
    expect(other.status).toBe(200);
    const target = (await listSessions(client.accessToken)).find((s) => !s.current)!;
    await call(`/api/auth/sessions/${target.id}`, { method: 'DELETE', headers: bearer(client.accessToken) });
    expect(
      (await call(`/api/auth/sessions/${target.id}`, { method: 'DELETE', headers: bearer(client.accessToken) })).status,
    ).toBe(404);
  });

  it('lets me revoke my current session, after which sensitive routes refuse its token', async () => {
    const client = await register();
    const current = (await listSessions(client.accessToken))[0]!;
    expect(
      (await call(`/api/auth/sessions/${current.id}`, { method: 'DELETE', headers: bearer(client.accessToken) }))
        .status,
    ).toBe(204);
    const after = await call('/api/auth/sessions', { headers: bearer(client.accessToken) });
    await expectError(after, 401, 'TOKEN_INVALID');
  });
});

describe('POST /api/auth/logout-all', () => {
  it("revokes every session of the user, and no one else's", async () => {
    const client = await register();
    const other = await login(client.email, STRONG_PASSWORD);
    const otherCookie = cookieValue(other, 'refresh_token')!;
    const bystander = await register();
    const response = await call('/api/auth/logout-all', { method: 'POST', headers: bearer(client.accessToken) });
    expect(response.status).toBe(204);
    expect(response.headers.get('Set-Cookie')).toContain('Max-Age=0');
    expect(await countRows('sessions', 'user_id = ? AND revoked_at IS NULL', client.userId)).toBe(0);
    expect((await refresh(client.refreshToken)).status).toBe(401);
    expect((await refresh(otherCookie)).status).toBe(401);
    expect((await refresh(bystander.refreshToken)).status).toBe(200);
    expect(await countRows('audit_log', "user_id = ? AND action = 'logout_all'", client.userId)).toBe(1);
  });

  it('requires a bearer token and changes nothing without one', async () => {
    const client = await register();
    const response = await call('/api/auth/logout-all', {
      method: 'POST',
      headers: { Cookie: `refresh_token=${client.refreshToken}` },
    });
    expect(response.status).toBe(401);
    expect(await countRows('sessions', 'user_id = ? AND revoked_at IS NULL', client.userId)).toBe(1);
  });
});

describe('the two guards', () => {
  it("requireAuth (a route of your own) trusts a revoked session's token until it expires; requireLiveSession does not", async () => {
    const client = await register();
    await call('/api/auth/logout-all', { method: 'POST', headers: bearer(client.accessToken) });
    // Documented trade-off: a route guarded by requireAuth alone checks only the signature (no D1 round trip).
    const yours = createRouter();
    yours.use(loadSettings());
    yours.get('/projects', requireAuth(), (c) => c.json({ user: c.get('auth').userId }));
    const trusted = await yours.request('/projects', { headers: bearer(client.accessToken) }, env);
    expect(trusted.status).toBe(200);
    expect(await trusted.json()).toEqual({ user: client.userId });
    const strict = await call('/api/me', {
      method: 'PATCH',
      headers: { ...bearer(client.accessToken), 'Content-Type': 'application/json' },
      body: '{"name":"x"}',
    });
    await expectError(strict, 401, 'TOKEN_INVALID');
  });

  it('GET /api/me, the billing routes and the paid-feature guard check the session in the read they make anyway', async () => {
    const client = await register();
    await call('/api/auth/logout-all', { method: 'POST', headers: bearer(client.accessToken) });
    for (const path of ['/api/me', '/api/billing/subscription', '/api/examples/paid']) {
      const response = await call(path, { headers: bearer(client.accessToken) });
      await expectError(response, 401, 'TOKEN_INVALID');
    }
  });

  it('requireLiveSession refuses a disabled user at once', async () => {
    const client = await register();
    await env.DB.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').bind(Date.now(), client.userId).run();
    expect((await call('/api/auth/sessions', { headers: bearer(client.accessToken) })).status).toBe(401);
  });
});
