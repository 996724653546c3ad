// DELETE /api/me: proof required (password, or a recent OAuth sign-in); everything of the user goes.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { signAccessToken } from '../src/auth/access-tokens';
import { loadConfig } from '../src/config';
import { bearer, countRows, deleteMe, login, refresh, register, STRONG_PASSWORD } from './support/auth';
import { call, errorBody, expectError } from './support/http';

/** A session as an OAuth sign-in would create it, `ageMs` ago, with an access token for it. */
async function oauthSession(userId: string, ageMs: number) {
  const id = `oauth-${crypto.randomUUID()}`;
  const created = Date.now() - ageMs;
  await env.DB.prepare(
    "INSERT INTO sessions (id, user_id, auth_method, created_at, last_used_at, expires_at) VALUES (?, ?, 'oauth:google', ?, ?, ?)",
  )
    .bind(id, userId, created, created, created + 86_400_000)
    .run();
  return signAccessToken(
    loadConfig(env),
    { userId, sessionId: id, role: 'user', amr: ['oauth'], authTime: Math.floor(created / 1000) },
    new Date(),
  );
}

describe('DELETE /api/me', () => {
  it('deletes the account with its sessions, tokens and emails, keeps the audit trail, and clears the cookie', async () => {
    const client = await register();
    await login(client.email, STRONG_PASSWORD);
    const response = await deleteMe(client.accessToken, { password: STRONG_PASSWORD });
    expect(response.status).toBe(204);
    expect(response.headers.get('Set-Cookie')).toContain('Max-Age=0');
    for (const [table, where] of [
      ['users', 'id = ?'],
      ['sessions', 'user_id = ?'],
      ['account_tokens', 'user_id = ?'],
      ['email_outbox', 'user_id = ?'],
    ] as const) {
      expect(await countRows(table, where, client.userId)).toBe(0);
    }
    expect(await countRows('refresh_tokens rt LEFT JOIN sessions s ON s.id = rt.session_id', 's.id IS NULL')).toBe(0);
    expect(await countRows('audit_log', "user_id = ? AND action = 'account.deleted'", client.userId)).toBe(1);
    expect((await refresh(client.refreshToken)).status).toBe(401);
    expect((await login(client.email, STRONG_PASSWORD)).status).toBe(401);
  });

  it('answers 401 INVALID_CREDENTIALS for a wrong password or none, deleting nothing', async () => {
    const client = await register();
    for (const body of [{ password: 'not-my-password-9' }, {}, undefined]) {
      const response = await deleteMe(client.accessToken, body);
      await expectError(response, 401, 'INVALID_CREDENTIALS');
    }
    expect(await countRows('users', 'id = ?', client.userId)).toBe(1);
  });

  it('holds the password lock under concurrency: 20 parallel wrong passwords get 10 checks, then 429 even for the right one', async () => {
    const client = await register();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => deleteMe(client.accessToken, { password: `wrong-${i}-password` })),
    );
    const codes = await Promise.all(responses.map(async (r) => `${r.status} ${(await errorBody(r)).code}`));
    expect(codes.filter((c) => c === '401 INVALID_CREDENTIALS')).toHaveLength(10);
    expect(codes.filter((c) => c === '429 RATE_LIMITED')).toHaveLength(10);
    expect((await deleteMe(client.accessToken, { password: STRONG_PASSWORD })).status).toBe(429);
    expect(await countRows('users', 'id = ?', client.userId)).toBe(1);
  });

  it('rejects unknown fields and wrong types', async () => {
    const client = await register();
    for (const body of [{ password: 5 }, { password: STRONG_PASSWORD, force: true }]) {
      const response = await deleteMe(client.accessToken, body);
      await expectError(response, 400, 'VALIDATION_ERROR');
    }
    expect(await countRows('users', 'id = ?', client.userId)).toBe(1);
  });

  it('accepts a recent OAuth sign-in (10 minutes) instead of a password, not an older one', async () => {
    const client = await register();
    const stale = await oauthSession(client.userId, 11 * 60_000);
    expect((await deleteMe(stale)).status).toBe(401);
    const fresh = await oauthSession(client.userId, 60_000);
    expect((await deleteMe(fresh)).status).toBe(204);
    expect(await countRows('users', 'id = ?', client.userId)).toBe(0);
  });

  it('requires a live session', async () => {
    const client = await register();
    await call('/api/auth/logout-all', { method: 'POST', headers: bearer(client.accessToken) });
    const response = await deleteMe(client.accessToken, { password: STRONG_PASSWORD });
    expect(response.status).toBe(401);
    expect(await countRows('users', 'id = ?', client.userId)).toBe(1);
  });
});
