// POST /api/auth/register: happy path, the cookie, bad inputs, duplicates (also concurrent), rate limit.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../src/error-codes';
import { countRows, refreshCookieFrom, register, STRONG_PASSWORD, uniqueEmail, uniqueIp } from './support/auth';
import { call, expectError, postJson } from './support/http';

function registerRaw(body: unknown, ip = uniqueIp()) {
  return postJson('/api/auth/register', body, { 'CF-Connecting-IP': ip });
}

describe('POST /api/auth/register', () => {
  it('creates the account, answers 201 with an access token and the user, and sets the refresh cookie', async () => {
    const email = uniqueEmail();
    const response = await registerRaw({ email, password: STRONG_PASSWORD, name: '  Ada Lovelace ' });
    expect(response.status).toBe(201);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const body = await response.json<Record<string, unknown> & { user: Record<string, unknown> }>();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(typeof body.access_token).toBe('string');
    expect(body.user).toEqual({
      id: expect.any(String),
      email,
      name: 'Ada Lovelace',
      email_verified: false,
      role: 'user',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
    });
    // The refresh token never appears in a body.
    expect(JSON.stringify(body)).not.toContain(refreshCookieFrom(response)!);

    const cookie = response.headers.get('Set-Cookie') ?? '';
    expect(cookie).toMatch(/^refresh_token=[a-z2-7]{24}\.0\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('Max-Age=2592000');
    expect(cookie).toContain('Path=/api/auth');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('Secure');
    expect(cookie).toContain('SameSite=Lax');
  });

  it('stores only a scrypt hash of the password and a SHA-256 of the refresh token', async () => {
    const client = await register();
    const user = await env.DB.prepare('SELECT password_hash FROM users WHERE id = ?')
      .bind(client.userId)
      .first<{ password_hash: string }>();
    expect(user?.password_hash).toMatch(/^\$scrypt\$ln=14,r=8,p=5\$/);
    expect(user?.password_hash).not.toContain(STRONG_PASSWORD);
    const session = await env.DB.prepare(
      'SELECT refresh_secret_hash, refresh_token_hash, refresh_generation FROM sessions WHERE user_id = ?',
    )
      .bind(client.userId)
      .first<{ refresh_secret_hash: string; refresh_token_hash: string; refresh_generation: number }>();
    const [, , sessionSecret, secret] = client.refreshToken.split('.');
    expect(session?.refresh_generation).toBe(0);
    expect(session?.refresh_secret_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session?.refresh_token_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect([session?.refresh_secret_hash, session?.refresh_token_hash]).not.toContain(sessionSecret);
    expect([session?.refresh_secret_hash, session?.refresh_token_hash]).not.toContain(secret);
  });

  it('normalises the email (trim + lowercase), so a different case is 409 EMAIL_TAKEN', async () => {
    const email = uniqueEmail();
    await register({ email });
    const before = await countRows('users');
    const response = await registerRaw({ email: `  ${email.toUpperCase()} `, password: STRONG_PASSWORD });
    await expectError(response, 409, 'EMAIL_TAKEN');
    expect(await countRows('users')).toBe(before);
  });

  it('creates one account under a concurrent double submit', async () => {
    const email = uniqueEmail();
    const ip = uniqueIp();
    const responses = await Promise.all([
      registerRaw({ email, password: STRONG_PASSWORD }, ip),
      registerRaw({ email, password: STRONG_PASSWORD }, ip),
    ]);
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await countRows('users', 'email = ?', email)).toBe(1);
    expect(await countRows('sessions s JOIN users u ON u.id = s.user_id', 'u.email = ?', email)).toBe(1);
  });

  it.each([
    ['a missing email', { password: STRONG_PASSWORD }, 'email'],
    ['a malformed email', { email: 'not-an-email', password: STRONG_PASSWORD }, 'email'],
    ['an email of the wrong type', { email: 42, password: STRONG_PASSWORD }, 'email'],
    ['a missing password', { email: 'x@example.com' }, 'password'],
    ['a 7-character password', { email: 'x@example.com', password: 'Abc12!x' }, 'password'],
    ['a 129-character password', { email: 'x@example.com', password: 'a1'.repeat(64) + 'b' }, 'password'],
    ['a common password', { email: 'x@example.com', password: 'password123' }, 'password'],
    ['a common password in capitals', { email: 'x@example.com', password: 'QWERTYUIOP' }, 'password'],
    ['a password of the wrong type', { email: 'x@example.com', password: 12345678901 }, 'password'],
    ['an empty name', { email: 'x@example.com', password: STRONG_PASSWORD, name: '   ' }, 'name'],
    ['an over-long name', { email: 'x@example.com', password: STRONG_PASSWORD, name: 'n'.repeat(101) }, 'name'],
    [
      'a name with line breaks',
      {
        email: 'x@example.com',
        password: STRONG_PASSWORD,
        name: 'there.\n\nSECURITY ALERT: https://evil.example/secure',
      },
      'name',
    ],
    [
      'a name with a control character',
      { email: 'x@example.com', password: STRONG_PASSWORD, name: 'Ada\u0007' },
      'name',
    ],
    ['a name with a tab', { email: 'x@example.com', password: STRONG_PASSWORD, name: 'Ada\tLovelace' }, 'name'],
    [
      'a name with a line separator',
      { email: 'x@example.com', password: STRONG_PASSWORD, name: 'Ada\u2028Lovelace' },
      'name',
    ],
    [
      'a name with a bidirectional override',
      { email: 'x@example.com', password: STRONG_PASSWORD, name: 'Ada\u202Egpj.exe' },
      'name',
    ],
  ])('answers 400 VALIDATION_ERROR for %s, creating nothing', async (_label, body, field) => {
    const before = await countRows('users');
    const response = await registerRaw(body);
    const error = await expectError(response, 400, 'VALIDATION_ERROR');
    expect(error.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
    expect(response.headers.get('Set-Cookie')).toBeNull();
    expect(await countRows('users')).toBe(before);
  });

  it('accepts a 128-character password and counts characters, not bytes', async () => {
    await register({ password: 'x1'.repeat(64) });
    await register({ password: 'ñandú-€-日本-ok' });
  });

  it('answers INVALID_JSON, UNSUPPORTED_MEDIA_TYPE and PAYLOAD_TOO_LARGE before touching the database', async () => {
    const before = await countRows('users');
    const cases: [RequestInit, number, ErrorCode][] = [
      [{ body: '{"email":', headers: { 'Content-Type': 'application/json' } }, 400, 'INVALID_JSON'],
      [
        { body: 'email=a@b.c&password=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        {
          body: JSON.stringify({ email: uniqueEmail(), password: STRONG_PASSWORD, name: 'n'.repeat(20_000) }),
          headers: { 'Content-Type': 'application/json' },
        },
        413,
        'PAYLOAD_TOO_LARGE',
      ],
    ];
    for (const [init, status, code] of cases) {
      const response = await call('/api/auth/register', { method: 'POST', ...init });
      await expectError(response, status, code);
    }
    expect(await countRows('users')).toBe(before);
  });

  it('limits registrations to 20 per address per 10 minutes, without affecting other addresses', async () => {
    const ip = uniqueIp();
    // Bad passwords fail validation before the limiter; duplicates pass it, so they count (cheaply).
    const email = uniqueEmail();
    await register({ email, ip });
    for (let i = 0; i < 19; i++) {
      const response = await registerRaw({ email, password: STRONG_PASSWORD }, ip);
      expect(response.status).toBe(409);
    }
    const before = await countRows('users');
    const limited = await registerRaw({ email: uniqueEmail(), password: STRONG_PASSWORD }, ip);
    await expectError(limited, 429, 'RATE_LIMITED');
    const retryAfter = Number(limited.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(await countRows('users')).toBe(before);
    await register({ ip: uniqueIp() });
  });

  it('writes a register audit entry', async () => {
    const client = await register();
    expect(await countRows('audit_log', "user_id = ? AND action = 'register'", client.userId)).toBe(1);
  });

  it('counts IPv6 clients per /64: 21 parallel sign-ups from one /64 give 20 accounts and one 429', async () => {
    const [a, b] = [...crypto.getRandomValues(new Uint16Array(2))].map((n) => n.toString(16));
    const responses = await Promise.all(
      Array.from({ length: 21 }, (_, i) =>
        registerRaw(
          { email: uniqueEmail('v6'), password: STRONG_PASSWORD },
          `2001:db8:${a}:${b}:${i.toString(16)}::${i + 1}`,
        ),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    await register({ ip: `2001:db8:${a}:${(parseInt(b!, 16) ^ 1).toString(16)}::1` });
  });
});
