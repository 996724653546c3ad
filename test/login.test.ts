// POST /api/auth/login: success, indistinguishable failures, disabled accounts, hash upgrades, rate limits.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../src/auth/passwords';
import { countRows, login, register, STRONG_PASSWORD, uniqueEmail, uniqueIp } from './support/auth';
import { call, errorBody, expectError } from './support/http';

describe('POST /api/auth/login', () => {
  it('signs in with the right password (any email case) and starts a new session', async () => {
    const client = await register();
    const response = await login(client.email.toUpperCase(), STRONG_PASSWORD);
    expect(response.status).toBe(200);
    const body = await response.json<{
      access_token: string;
      token_type: string;
      expires_in: number;
      user: { id: string };
    }>();
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(900);
    expect(body.user.id).toBe(client.userId);
    expect(response.headers.get('Set-Cookie')).toMatch(/^refresh_token=.+HttpOnly/);
    expect(await countRows('sessions', 'user_id = ?', client.userId)).toBe(2);
    expect(await countRows('audit_log', "user_id = ? AND action = 'login.succeeded'", client.userId)).toBe(1);
    const me = await call('/api/me', { headers: { Authorization: `Bearer ${body.access_token}` } });
    expect(me.status).toBe(200);
  });

  it('answers the same 401 INVALID_CREDENTIALS body for an unknown email and a wrong password', async () => {
    const client = await register();
    const wrongPassword = await login(client.email, 'not-the-password-1');
    const unknownEmail = await login(uniqueEmail('nobody'), 'not-the-password-1');
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    const [a, b] = [await wrongPassword.text(), await unknownEmail.text()];
    expect(a).toBe(b);
    expect(JSON.parse(a)).toEqual({ error: 'The email or password is not correct.', code: 'INVALID_CREDENTIALS' });
    expect(wrongPassword.headers.get('Set-Cookie')).toBeNull();
    expect(await countRows('sessions', 'user_id = ?', client.userId)).toBe(1);
    expect(await countRows('audit_log', "user_id = ? AND action = 'login.failed'", client.userId)).toBe(1);
  });

  it('refuses an OAuth-only account (no password) with the same 401', async () => {
    const email = uniqueEmail();
    await env.DB.prepare("INSERT INTO users (id, email, role, created_at, updated_at) VALUES (?, ?, 'user', 0, 0)")
      .bind(crypto.randomUUID(), email)
      .run();
    const response = await login(email, STRONG_PASSWORD);
    await expectError(response, 401, 'INVALID_CREDENTIALS');
  });

  it('answers 403 ACCOUNT_DISABLED only to the right password, starting no session', async () => {
    const client = await register();
    await env.DB.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').bind(Date.now(), client.userId).run();
    const wrong = await login(client.email, 'not-the-password-1');
    expect(wrong.status).toBe(401);
    const right = await login(client.email, STRONG_PASSWORD);
    await expectError(right, 403, 'ACCOUNT_DISABLED');
    expect(right.headers.get('Set-Cookie')).toBeNull();
    expect(await countRows('sessions', 'user_id = ?', client.userId)).toBe(1);
  });

  it('upgrades a hash made with weaker parameters at the next successful login', async () => {
    const client = await register();
    const weak = await hashPassword(STRONG_PASSWORD, { logN: 10, r: 8, p: 1 });
    await env.DB.prepare('UPDATE users SET password_hash = ? WHERE id = ?').bind(weak, client.userId).run();
    expect((await login(client.email, STRONG_PASSWORD)).status).toBe(200);
    const row = await env.DB.prepare('SELECT password_hash FROM users WHERE id = ?')
      .bind(client.userId)
      .first<{ password_hash: string }>();
    expect(row?.password_hash).toMatch(/^\$scrypt\$ln=14,r=8,p=5\$/);
    expect((await login(client.email, STRONG_PASSWORD)).status).toBe(200);
  });

  it.each([
    ['no body', undefined],
    ['a missing password', { email: 'a@example.com' }],
    ['an empty password', { email: 'a@example.com', password: '' }],
    ['a malformed email', { email: 'a@', password: 'x' }],
    ['wrong types', { email: ['a@example.com'], password: { x: 1 } }],
  ])('answers 400 for %s, counting no failure', async (_label, body) => {
    const ip = uniqueIp();
    const before = await countRows('rate_limit_hits');
    const response = await call('/api/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': ip },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBe(400);
    expect(['VALIDATION_ERROR', 'INVALID_JSON']).toContain((await errorBody(response)).code);
    expect(await countRows('rate_limit_hits')).toBe(before);
  });

  it('locks an account after 10 failures in 15 minutes, even for the right password, and only that account', async () => {
    const victim = await register();
    const bystander = await register();
    for (let i = 0; i < 10; i++) {
      // Spread over addresses: the account limit must hold whatever address the attacker uses.
      const response = await login(victim.email, `wrong-password-${i}`, uniqueIp());
      expect(response.status).toBe(401);
    }
    const locked = await login(victim.email, STRONG_PASSWORD, uniqueIp());
    await expectError(locked, 429, 'RATE_LIMITED');
    const retryAfter = Number(locked.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(await countRows('sessions', 'user_id = ?', victim.userId)).toBe(1);
    expect((await login(bystander.email, STRONG_PASSWORD)).status).toBe(200);
  });

  it('locks unknown emails the same way, so the limit reveals nothing', async () => {
    const ghost = uniqueEmail('ghost');
    for (let i = 0; i < 10; i++) expect((await login(ghost, `wrong-${i}`, uniqueIp())).status).toBe(401);
    expect((await login(ghost, 'wrong-again', uniqueIp())).status).toBe(429);
  });

  it('lets the account in again once the window has passed', async () => {
    const client = await register();
    for (let i = 0; i < 10; i++) await login(client.email, `wrong-${i}`, uniqueIp());
    expect((await login(client.email, STRONG_PASSWORD)).status).toBe(429);
    // Age the failures past the 15-minute window.
    await env.DB.prepare('UPDATE rate_limit_hits SET hit_at = hit_at - 901000 WHERE key = ?')
      .bind(`login-failed:${client.email}`)
      .run();
    expect((await login(client.email, STRONG_PASSWORD)).status).toBe(200);
  });

  it("clears an account's failures after a successful login", async () => {
    const client = await register();
    for (let i = 0; i < 9; i++) await login(client.email, `wrong-${i}`, uniqueIp());
    expect((await login(client.email, STRONG_PASSWORD)).status).toBe(200);
    for (let i = 0; i < 9; i++) expect((await login(client.email, `wrong-${i}`, uniqueIp())).status).toBe(401);
    expect((await login(client.email, STRONG_PASSWORD)).status).toBe(200);
  });

  it('limits one address to 60 logins per 10 minutes, keyed by CF-Connecting-IP only', async () => {
    const ip = uniqueIp();
    const email = uniqueEmail('nobody');
    // Pre-fill 60 attempts for this address (as if they had happened in the last minute).
    const now = Date.now();
    await env.DB.batch(
      Array.from({ length: 60 }, (_, i) =>
        env.DB.prepare('INSERT INTO rate_limit_hits (key, hit_at) VALUES (?, ?)').bind(
          `login-ip:${ip}`,
          now - 60_000 + i,
        ),
      ),
    );
    const limited = await login(email, 'whatever-1', ip, { 'X-Forwarded-For': uniqueIp() });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(500);
    // Another address is unaffected, and X-Forwarded-For can't be used to pick a fresh bucket.
    expect((await login(email, 'whatever-1', uniqueIp())).status).toBe(401);
  });

  it('holds the lock under concurrency: of 30 parallel wrong guesses 10 are checked, the rest and the right password get 429', async () => {
    const victim = await register();
    const ip = uniqueIp();
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => login(victim.email, `wrong-password-${i}`, ip)),
    );
    const codes = await Promise.all(responses.map(async (r) => `${r.status} ${(await errorBody(r)).code}`));
    expect(codes.filter((c) => c === '401 INVALID_CREDENTIALS')).toHaveLength(10);
    expect(codes.filter((c) => c === '429 RATE_LIMITED')).toHaveLength(20);
    expect(await countRows('audit_log', "user_id = ? AND action = 'login.failed'", victim.userId)).toBe(10);
    const right = await login(victim.email, STRONG_PASSWORD, ip);
    expect(right.status).toBe(429);
    expect(right.headers.get('Set-Cookie')).toBeNull();
    expect(await countRows('sessions', 'user_id = ?', victim.userId)).toBe(1);
  });

  it('buckets IPv6 clients by their /64 for the per-address limit (IPv4 by the whole address)', async () => {
    const email = uniqueEmail('nobody');
    const [a, b] = [...crypto.getRandomValues(new Uint16Array(2))].map((n) => n.toString(16));
    const prefix = `2001:db8:${a}:${b}`;
    const now = Date.now();
    // 60 attempts already made from one address of the /64, as if in the last minute.
    await env.DB.batch(
      Array.from({ length: 60 }, (_, i) =>
        env.DB.prepare('INSERT INTO rate_limit_hits (key, hit_at) VALUES (?, ?)').bind(
          `login-ip:${prefix}::/64`,
          now - 60_000 + i,
        ),
      ),
    );
    // Any other address inside it, however written, shares the bucket...
    for (const ip of [`${prefix}::1`, `${prefix}:0:0:dead:beef`, `${prefix.toUpperCase()}:ffff:ffff:ffff:ffff`]) {
      const limited = await login(email, 'whatever-1', ip);
      await expectError(limited, 429, 'RATE_LIMITED');
    }
    // ...while the next /64 does not.
    const nextPrefix = `2001:db8:${a}:${(parseInt(b!, 16) ^ 1).toString(16)}`;
    expect((await login(email, 'whatever-1', `${nextPrefix}::1`)).status).toBe(401);
  });
});
