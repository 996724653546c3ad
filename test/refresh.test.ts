// POST /api/auth/refresh and /logout: rotation, the 10-second grace, reuse detection, races, origins.
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bearer, cookieHeader, countRows, refresh, refreshCookieFrom, register } from './support/auth';
import { advanceClock } from './support/clock';
import { call, expectError } from './support/http';
import { TEST_APP_URL } from './support/settings';

afterEach(() => vi.useRealTimers());

interface SessionRow {
  id: string;
  revoked_at: number | null;
  revoked_reason: string | null;
  expires_at: number;
  created_at: number;
  refresh_generation: number;
  refresh_token_hash: string | null;
}

async function sessionOf(userId: string) {
  return env.DB.prepare('SELECT * FROM sessions WHERE user_id = ? ORDER BY created_at')
    .bind(userId)
    .first<SessionRow>();
}

/** `<session id>.<generation>.<session secret>.<secret>` */
const TOKEN_FORMAT = /^[a-z2-7]{24}\.(0|[1-9][0-9]*)\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/;
const generationOf = (token: string) => Number(token.split('.')[1]);

describe('POST /api/auth/refresh', () => {
  it('rotates: a new access token and a new cookie, and the old cookie is now spent', async () => {
    const client = await register();
    const response = await refresh(client.refreshToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const body = await response.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    const next = refreshCookieFrom(response);
    expect(client.refreshToken).toMatch(TOKEN_FORMAT);
    expect(next).toMatch(TOKEN_FORMAT);
    expect([generationOf(client.refreshToken), generationOf(next!)]).toEqual([0, 1]);
    expect(response.headers.get('Set-Cookie')).toContain('Max-Age=2592000');
    expect((await call('/api/me', { headers: bearer(body.access_token as string) })).status).toBe(200);
    // The successor keeps working, generation after generation.
    const again = await refresh(next!);
    expect(again.status).toBe(200);
    expect(refreshCookieFrom(again)).not.toBe(next);
  });

  it('answers 401 REFRESH_TOKEN_MISSING without a cookie, and REFRESH_TOKEN_INVALID for an unknown one', async () => {
    const missing = await call('/api/auth/refresh', { method: 'POST' });
    await expectError(missing, 401, 'REFRESH_TOKEN_MISSING');
    const empty = await call('/api/auth/refresh', { method: 'POST', headers: { Cookie: 'refresh_token=' } });
    await expectError(empty, 401, 'REFRESH_TOKEN_MISSING');
    // Someone who knows a session's id (access tokens carry it as `sid`) but not its secrets.
    const victim = await register();
    const [sessionId, , sessionSecret, secret] = victim.refreshToken.split('.') as [string, string, string, string];
    const before = await sessionOf(victim.userId);
    const other = 'A'.repeat(43);
    for (const forged of [
      'forged',
      'A'.repeat(43),
      '../../etc/passwd',
      'x'.repeat(5000),
      `${sessionId}.0.${other}.${other}`,
      `${sessionId}.0.${other}.${secret}`,
      `${sessionId}.5.${other}.${other}`,
      `${sessionId}.01.${sessionSecret}.${secret}`,
      `${sessionId}.-1.${sessionSecret}.${secret}`,
      `${sessionId}.1e3.${sessionSecret}.${secret}`,
      `${sessionId.toUpperCase()}.0.${sessionSecret}.${secret}`,
      `${victim.refreshToken}.x`,
    ]) {
      const response = await refresh(forged);
      await expectError(response, 401, 'REFRESH_TOKEN_INVALID');
      expect(response.headers.get('Set-Cookie')).toBeNull();
    }
    expect(await sessionOf(victim.userId)).toEqual(before);
    expect((await refresh(victim.refreshToken)).status).toBe(200);
  });

  it('keeps one row per session however often it refreshes', async () => {
    const client = await register();
    let token = client.refreshToken;
    for (let i = 0; i < 20; i++) token = refreshCookieFrom(await refresh(token))!;
    expect(generationOf(token)).toBe(20);
    expect(await countRows('sessions', 'user_id = ?', client.userId)).toBe(1);
    expect(
      await countRows('refresh_tokens rt JOIN sessions s ON s.id = rt.session_id', 's.user_id = ?', client.userId),
    ).toBe(0);
    expect((await sessionOf(client.userId))?.refresh_generation).toBe(20);
  });

  it('gives a rotated token replayed within 10 s an access token but no cookie (two tabs)', async () => {
    const client = await register();
    const first = await refresh(client.refreshToken);
    const replay = await refresh(client.refreshToken);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('Set-Cookie')).toBeNull();
    const body = await replay.json<{ access_token: string }>();
    expect((await call('/api/me', { headers: bearer(body.access_token) })).status).toBe(200);
    expect((await sessionOf(client.userId))?.revoked_at).toBeNull();
    // The winner's cookie still works.
    expect((await refresh(refreshCookieFrom(first)!)).status).toBe(200);
  });

  it('treats a rotated token replayed after 10 s as theft: 401 REFRESH_TOKEN_REUSED and the session ends', async () => {
    const client = await register();
    const rotated = await refresh(client.refreshToken);
    const current = refreshCookieFrom(rotated)!;
    advanceClock(10_500);
    const stolen = await refresh(client.refreshToken);
    await expectError(stolen, 401, 'REFRESH_TOKEN_REUSED');
    const session = await sessionOf(client.userId);
    expect(session?.revoked_reason).toBe('refresh_token_reused');
    // Both the thief's and the legitimate holder's tokens are dead now.
    const legit = await refresh(current);
    await expectError(legit, 401, 'REFRESH_TOKEN_INVALID');
    expect(await countRows('audit_log', "user_id = ? AND action = 'session.reuse_detected'", client.userId)).toBe(1);
    // Sensitive routes refuse the session's access token at once.
    expect((await call('/api/auth/sessions', { headers: bearer(client.accessToken) })).status).toBe(401);
  });

  it('detects reuse of a token several generations old', async () => {
    const client = await register();
    let token = client.refreshToken;
    for (let i = 0; i < 3; i++) token = refreshCookieFrom(await refresh(token))!;
    advanceClock(11_000);
    await expectError(await refresh(client.refreshToken), 401, 'REFRESH_TOKEN_REUSED');
    expect((await refresh(token)).status).toBe(401);
  });

  it('gives any token replaced in the last 10 s an access token: three tabs restored at once', async () => {
    const client = await register();
    // Tab 1 rotates 0 → 1; tab 2, which already has cookie 1, rotates 1 → 2; tab 3 still sends 0.
    const first = refreshCookieFrom(await refresh(client.refreshToken))!;
    const second = refreshCookieFrom(await refresh(first))!;
    for (const late of [client.refreshToken, first]) {
      const response = await refresh(late);
      expect(response.status).toBe(200);
      expect(response.headers.get('Set-Cookie')).toBeNull();
    }
    expect((await sessionOf(client.userId))?.revoked_at).toBeNull();
    expect((await refresh(second)).status).toBe(200);
    advanceClock(10_500);
    await expectError(await refresh(first), 401, 'REFRESH_TOKEN_REUSED');
  });

  it('keeps at most 8 replaced tokens for the grace, so rotating faster cannot grow the row', async () => {
    const client = await register();
    const tokens = [client.refreshToken];
    for (let i = 0; i < 10; i++) tokens.push(refreshCookieFrom(await refresh(tokens[tokens.length - 1]!))!);
    const row = await env.DB.prepare('SELECT recent_refresh_tokens FROM sessions WHERE user_id = ?')
      .bind(client.userId)
      .first<{ recent_refresh_tokens: string }>();
    expect(JSON.parse(row!.recent_refresh_tokens)).toHaveLength(8);
    // The eighth most recently replaced still has its grace; the ninth is a replay.
    expect((await refresh(tokens[2]!)).status).toBe(200);
    await expectError(await refresh(tokens[1]!), 401, 'REFRESH_TOKEN_REUSED');
  });

  it('judges a token with its generation edited by its secret: grace within 10 s, reuse after', async () => {
    const client = await register();
    const current = refreshCookieFrom(await refresh(client.refreshToken))!;
    // Generation 0's secret presented as generation 1 (the current generation's number).
    const [sessionId, , sessionSecret, secret] = client.refreshToken.split('.');
    const edited = `${sessionId}.1.${sessionSecret}.${secret}`;
    const racing = await refresh(edited);
    expect(racing.status).toBe(200);
    expect(racing.headers.get('Set-Cookie')).toBeNull();
    advanceClock(10_500);
    await expectError(await refresh(edited), 401, 'REFRESH_TOKEN_REUSED');
    await expectError(await refresh(current), 401, 'REFRESH_TOKEN_INVALID');
    expect((await sessionOf(client.userId))?.revoked_reason).toBe('refresh_token_reused');
  });

  it('never forks or wrongly revokes a session under 10 concurrent refreshes with one cookie', async () => {
    const client = await register();
    const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(client.refreshToken)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const newCookies = responses.map(refreshCookieFrom).filter((c) => c !== null);
    expect(newCookies).toHaveLength(1);
    const session = await sessionOf(client.userId);
    expect(session?.revoked_at).toBeNull();
    expect(session?.refresh_generation).toBe(1);
    expect((await refresh(newCookies[0]!)).status).toBe(200);
  });

  it('ends at the absolute session lifetime, however often it was refreshed', async () => {
    const client = await register();
    const token = refreshCookieFrom(await refresh(client.refreshToken))!;
    advanceClock(2_592_000 * 1000 + 1000);
    const response = await refresh(token);
    await expectError(response, 401, 'REFRESH_TOKEN_INVALID');
  });

  it("refuses a disabled user's cookie", async () => {
    const client = await register();
    await env.DB.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').bind(Date.now(), client.userId).run();
    await expectError(await refresh(client.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
  });

  it('carries the current role from the database into the new access token', async () => {
    const client = await register();
    await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(client.userId).run();
    const { access_token } = await (await refresh(client.refreshToken)).json<{ access_token: string }>();
    const payload = JSON.parse(atob(access_token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')));
    expect(payload.role).toBe('admin');
  });

  it('answers 403 ORIGIN_NOT_ALLOWED for a foreign Origin and leaves the token unspent', async () => {
    const client = await register();
    const response = await refresh(client.refreshToken, { Origin: 'https://evil.example' });
    const body = await expectError(response, 403, 'ORIGIN_NOT_ALLOWED');
    // The message names the refused origin and the setting to change.
    expect(body.error).toContain('https://evil.example');
    expect(body.error).toContain('CORS_ORIGINS');
    expect((await sessionOf(client.userId))?.refresh_generation).toBe(0);
    expect((await refresh(client.refreshToken, { Origin: TEST_APP_URL })).status).toBe(200);
  });
});

describe('more than one refresh_token cookie', () => {
  // A sibling subdomain can set a cookie for the parent domain (cookie tossing): the browser then
  // sends both, and the request can't tell which one is the user's own.
  it('refuses /refresh with 401 REFRESH_TOKEN_INVALID, clears the cookie and rotates neither token', async () => {
    const attacker = await register();
    const victim = await register();
    for (const cookie of [
      `refresh_token=${attacker.refreshToken}; refresh_token=${victim.refreshToken}`,
      `refresh_token=${victim.refreshToken}; other=1; refresh_token=${attacker.refreshToken}`,
      `refresh_token=${victim.refreshToken};refresh_token=`,
    ]) {
      const response = await call('/api/auth/refresh', { method: 'POST', headers: { Cookie: cookie } });
      await expectError(response, 401, 'REFRESH_TOKEN_INVALID');
      expect(response.headers.get('Set-Cookie')).toMatch(/^refresh_token=;.*Max-Age=0/);
    }
    expect(
      await countRows('sessions', 'user_id IN (?, ?) AND refresh_generation > 0', attacker.userId, victim.userId),
    ).toBe(0);
    expect((await refresh(victim.refreshToken)).status).toBe(200);
  });

  it('ends every presented session at /logout', async () => {
    const a = await register();
    const b = await register();
    const response = await call('/api/auth/logout', {
      method: 'POST',
      headers: { Cookie: `refresh_token=${a.refreshToken}; refresh_token=${b.refreshToken}` },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('Set-Cookie')).toContain('Max-Age=0');
    expect((await sessionOf(a.userId))?.revoked_reason).toBe('logout');
    expect((await sessionOf(b.userId))?.revoked_reason).toBe('logout');
  });
});

describe('POST /api/auth/logout', () => {
  it('revokes the session, clears the cookie and answers 204', async () => {
    const client = await register();
    const response = await call('/api/auth/logout', { method: 'POST', headers: cookieHeader(client.refreshToken) });
    expect(response.status).toBe(204);
    const cookie = response.headers.get('Set-Cookie') ?? '';
    expect(cookie).toMatch(/^refresh_token=;/);
    expect(cookie).toContain('Max-Age=0');
    expect(cookie).toContain('Path=/api/auth');
    expect((await sessionOf(client.userId))?.revoked_reason).toBe('logout');
    await expectError(await refresh(client.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
  });

  it('ends the session with any of its tokens, an older generation too', async () => {
    const client = await register();
    refreshCookieFrom(await refresh(client.refreshToken));
    const response = await call('/api/auth/logout', { method: 'POST', headers: cookieHeader(client.refreshToken) });
    expect(response.status).toBe(204);
    expect((await sessionOf(client.userId))?.revoked_reason).toBe('logout');
  });

  it('answers 204 when already logged out, with no cookie or a forged one', async () => {
    expect((await call('/api/auth/logout', { method: 'POST' })).status).toBe(204);
    expect((await call('/api/auth/logout', { method: 'POST', headers: cookieHeader('forged') })).status).toBe(204);
  });

  it('refuses a foreign Origin (403) and keeps the session', async () => {
    const client = await register();
    const response = await call('/api/auth/logout', {
      method: 'POST',
      headers: { ...cookieHeader(client.refreshToken), Origin: 'https://evil.example' },
    });
    await expectError(response, 403, 'ORIGIN_NOT_ALLOWED');
    expect((await sessionOf(client.userId))?.revoked_at).toBeNull();
  });
});

describe('refresh tokens issued before the current format (migration 0006)', () => {
  const sha256 = async (text: string) =>
    btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
  const randomLegacyToken = () =>
    btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');

  /** A session as the code before 0006 left it: no refresh columns, its tokens in refresh_tokens (oldest first). */
  async function legacySession(generations = 1) {
    const client = await register();
    await env.DB.prepare('DELETE FROM sessions WHERE user_id = ?').bind(client.userId).run();
    const sessionId = Array.from(
      crypto.getRandomValues(new Uint8Array(24)),
      (b) => 'abcdefghijklmnopqrstuvwxyz234567'[b & 31],
    ).join('');
    const now = Date.now();
    const tokens = Array.from({ length: generations }, randomLegacyToken);
    const hashes = await Promise.all(tokens.map(sha256));
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO sessions (id, user_id, auth_method, created_at, last_used_at, expires_at) VALUES (?, ?, 'password', ?, ?, ?)",
      ).bind(sessionId, client.userId, now - 60_000, now - 60_000, now + 86_400_000),
      ...hashes.map((hash, i) =>
        env.DB.prepare(
          'INSERT INTO refresh_tokens (token_hash, session_id, created_at, rotated_at, replaced_by) VALUES (?, ?, ?, ?, ?)',
        ).bind(hash, sessionId, now - 60_000, i < generations - 1 ? now - 50_000 : null, hashes[i + 1] ?? null),
      ),
    ]);
    return { ...client, sessionId, tokens, current: tokens[generations - 1]! };
  }

  it('accepts one once, signing nobody out, and moves its session to the current format', async () => {
    const legacy = await legacySession();
    const response = await refresh(legacy.current);
    expect(response.status).toBe(200);
    const next = refreshCookieFrom(response)!;
    expect(next).toMatch(TOKEN_FORMAT);
    expect(next.startsWith(`${legacy.sessionId}.0.`)).toBe(true);
    const { access_token } = await response.json<{ access_token: string }>();
    expect((await call('/api/auth/sessions', { headers: bearer(access_token) })).status).toBe(200);
    // Refreshes from now on write the session row only.
    const again = refreshCookieFrom(await refresh(next))!;
    expect(generationOf(again)).toBe(1);
    expect(await countRows('refresh_tokens', 'session_id = ?', legacy.sessionId)).toBe(1);
  });

  it('gives the old token an access token within 10 s and treats it as theft after', async () => {
    const legacy = await legacySession();
    const next = refreshCookieFrom(await refresh(legacy.current))!;
    const racing = await refresh(legacy.current);
    expect(racing.status).toBe(200);
    expect(racing.headers.get('Set-Cookie')).toBeNull();
    advanceClock(10_500);
    await expectError(await refresh(legacy.current), 401, 'REFRESH_TOKEN_REUSED');
    await expectError(await refresh(next), 401, 'REFRESH_TOKEN_INVALID');
    expect((await sessionOf(legacy.userId))?.revoked_reason).toBe('refresh_token_reused');
  });

  it('detects reuse of a token rotated before the upgrade', async () => {
    const legacy = await legacySession(3);
    await expectError(await refresh(legacy.tokens[0]!), 401, 'REFRESH_TOKEN_REUSED');
    await expectError(await refresh(legacy.current), 401, 'REFRESH_TOKEN_INVALID');
  });

  it('moves the session once under 10 concurrent refreshes', async () => {
    const legacy = await legacySession();
    const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(legacy.current)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const newCookies = responses.map(refreshCookieFrom).filter((c) => c !== null);
    expect(newCookies).toHaveLength(1);
    expect((await sessionOf(legacy.userId))?.revoked_at).toBeNull();
    expect((await refresh(newCookies[0]!)).status).toBe(200);
  });

  it('logs out with one, before or after its rotation', async () => {
    const before = await legacySession();
    await call('/api/auth/logout', { method: 'POST', headers: cookieHeader(before.current) });
    expect((await sessionOf(before.userId))?.revoked_reason).toBe('logout');
    const after = await legacySession();
    const next = refreshCookieFrom(await refresh(after.current))!;
    await call('/api/auth/logout', { method: 'POST', headers: cookieHeader(next) });
    expect((await sessionOf(after.userId))?.revoked_reason).toBe('logout');
  });
});
