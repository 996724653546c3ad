// Forgot, reset and change password, read through the outbox like a user reads their mail.
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bearer, countRows, login, refresh, register, STRONG_PASSWORD, uniqueEmail, uniqueIp } from './support/auth';
import { advanceClock } from './support/clock';
import { holdingD1 } from './support/d1';
import { call, callWithBindings, cookieValue, errorBody, expectError, postJson } from './support/http';
import { emailsTo, tokenFromLatestEmail } from './support/mailbox';
import { TEST_APP_URL } from './support/settings';

afterEach(() => vi.useRealTimers());

const NEW_PASSWORD = 'saffron-lattice-orbit-77';
const forgot = (email: string) => postJson('/api/auth/password/forgot', { email }, { 'CF-Connecting-IP': uniqueIp() });
const reset = (token: unknown, password: unknown = NEW_PASSWORD) =>
  postJson('/api/auth/password/reset', { token, password });
/** Sends a request whose second D1 batch (its write) waits until a reset with `token` is done. */
async function racingAReset(token: string, path: string, init: RequestInit) {
  const held = holdingD1(env.DB, 2);
  const racing = callWithBindings({ DB: held.db }, path, init);
  await held.reached;
  expect((await reset(token)).status).toBe(200);
  held.release();
  return racing;
}
const change = (accessToken: string, body: unknown) =>
  call('/api/auth/password/change', {
    method: 'POST',
    headers: { ...bearer(accessToken), 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('POST /api/auth/password/forgot', () => {
  it('answers 202 {"ok": true}, the same for known and unknown emails, emailing only the account', async () => {
    const client = await register();
    const ghost = uniqueEmail('ghost');
    const known = await forgot(client.email.toUpperCase());
    const unknown = await forgot(ghost);
    expect([known.status, unknown.status]).toEqual([202, 202]);
    expect(await known.text()).toBe(await unknown.text());
    expect(await (await forgot(ghost)).json()).toEqual({ ok: true });
    const [email] = await emailsTo(client.email, 'password_reset');
    expect(email?.text_body).toContain(`${TEST_APP_URL}/reset-password?token=`);
    expect(await emailsTo(ghost)).toHaveLength(0);
    expect(await countRows('account_tokens', "purpose = 'reset_password' AND email = ?", ghost)).toBe(0);
  });

  it('allows 5 per address per hour, for unknown addresses too, then 429', async () => {
    for (const email of [(await register()).email, uniqueEmail('ghost')]) {
      for (let i = 0; i < 5; i++) expect((await forgot(email)).status).toBe(202);
      const limited = await forgot(email);
      await expectError(limited, 429, 'RATE_LIMITED');
      expect(limited.headers.get('Retry-After')).toBeTruthy();
    }
  });

  it('also limits one address (an IPv6 /64) to 20 per hour across accounts, still 202 for unknown ones within it', async () => {
    const [a, b] = [...crypto.getRandomValues(new Uint16Array(2))].map((n) => n.toString(16));
    const known = await register();
    const emails = [known.email, ...Array.from({ length: 20 }, () => uniqueEmail('ghost'))];
    const responses = await Promise.all(
      emails.map((email, i) =>
        postJson('/api/auth/password/forgot', { email }, { 'CF-Connecting-IP': `2001:db8:${a}:${b}::${i + 1}` }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(20);
    const limited = responses.find((r) => r.status === 429)!;
    await expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(3500);
    // Another address is not affected.
    expect(
      (await postJson('/api/auth/password/forgot', { email: uniqueEmail('ghost') }, { 'CF-Connecting-IP': uniqueIp() }))
        .status,
    ).toBe(202);
  });

  it('validates the email', async () => {
    for (const body of [{}, { email: 'nope' }, { email: 7 }]) {
      const response = await postJson('/api/auth/password/forgot', body);
      await expectError(response, 400, 'VALIDATION_ERROR');
    }
  });

  it('sends no link to a disabled account', async () => {
    const client = await register();
    await env.DB.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').bind(Date.now(), client.userId).run();
    expect((await forgot(client.email)).status).toBe(202);
    expect(await emailsTo(client.email, 'password_reset')).toHaveLength(0);
  });
});

describe('POST /api/auth/password/reset', () => {
  it('sets the password, ends every session, verifies the email and sends a notice', async () => {
    const client = await register();
    await forgot(client.email);
    const token = await tokenFromLatestEmail(client.email, 'password_reset');
    const response = await reset(token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    await expectError(await refresh(client.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
    expect((await login(client.email, STRONG_PASSWORD)).status).toBe(401);
    expect((await login(client.email, NEW_PASSWORD)).status).toBe(200);
    expect(await countRows('users', 'id = ? AND email_verified_at IS NOT NULL', client.userId)).toBe(1);
    expect(await emailsTo(client.email, 'password_changed')).toHaveLength(1);
    expect(await countRows('audit_log', "user_id = ? AND action = 'password.reset'", client.userId)).toBe(1);
  });

  it('is single use, and voids the other reset links', async () => {
    const client = await register();
    await forgot(client.email);
    const older = await tokenFromLatestEmail(client.email, 'password_reset');
    await forgot(client.email);
    const newer = await tokenFromLatestEmail(client.email, 'password_reset');
    expect((await reset(newer)).status).toBe(200);
    for (const token of [newer, older]) {
      const response = await reset(token, 'another-fine-password-9');
      await expectError(response, 400, 'TOKEN_INVALID');
    }
    expect((await login(client.email, NEW_PASSWORD)).status).toBe(200);
  });

  it('expires after one hour, changing nothing', async () => {
    const client = await register();
    await forgot(client.email);
    const token = await tokenFromLatestEmail(client.email, 'password_reset');
    advanceClock(3_600_000 + 1000);
    await expectError(await reset(token), 400, 'TOKEN_INVALID');
    vi.useRealTimers();
    expect((await login(client.email, STRONG_PASSWORD)).status).toBe(200);
  });

  it('checks the new password before spending the token', async () => {
    const client = await register();
    await forgot(client.email);
    const token = await tokenFromLatestEmail(client.email, 'password_reset');
    for (const password of ['short', 'password123', 42]) {
      const response = await reset(token, password);
      await expectError(response, 400, 'VALIDATION_ERROR');
    }
    expect((await refresh(client.refreshToken)).status).toBe(200);
    expect((await reset(token)).status).toBe(200);
  });

  it('refuses forged tokens with no change', async () => {
    const client = await register();
    await forgot(client.email);
    const token = await tokenFromLatestEmail(client.email, 'password_reset');
    const [id] = token.split('.');
    for (const forged of [`${id}.${'B'.repeat(43)}`, 'garbage', `${'b'.repeat(24)}.${'C'.repeat(43)}`]) {
      await expectError(await reset(forged), 400, 'TOKEN_INVALID');
    }
    const verifyToken = await tokenFromLatestEmail(client.email, 'verify_email');
    await expectError(await reset(verifyToken), 400, 'TOKEN_INVALID');
    expect((await login(client.email, STRONG_PASSWORD)).status).toBe(200);
  });

  it('leaves no session to a login that checked the old password while the reset ran', async () => {
    const client = await register();
    // A hash with weaker parameters: the login would also rewrite it (with the old password).
    const { hashPassword } = await import('../src/auth/passwords');
    await env.DB.prepare('UPDATE users SET password_hash = ? WHERE id = ?')
      .bind(await hashPassword(STRONG_PASSWORD, { logN: 10, r: 8, p: 1 }), client.userId)
      .run();
    await forgot(client.email);
    const token = await tokenFromLatestEmail(client.email, 'password_reset');
    // The login's second batch (its outcome) waits until the reset is done.
    const response = await racingAReset(token, '/api/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': uniqueIp() },
      body: JSON.stringify({ email: client.email, password: STRONG_PASSWORD }),
    });
    await expectError(response, 401, 'INVALID_CREDENTIALS');
    expect(response.headers.get('Set-Cookie')).toBeNull();
    expect(await countRows('sessions', 'user_id = ? AND revoked_at IS NULL', client.userId)).toBe(0);
    expect((await login(client.email, NEW_PASSWORD)).status).toBe(200);
    expect(await countRows('audit_log', "user_id = ? AND action = 'login.succeeded'", client.userId)).toBe(1);
  });

  it('refuses a link issued before the account was disabled, changing nothing', async () => {
    const client = await register();
    await forgot(client.email);
    const token = await tokenFromLatestEmail(client.email, 'password_reset');
    await env.DB.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').bind(Date.now(), client.userId).run();
    const response = await reset(token);
    await expectError(response, 400, 'TOKEN_INVALID');
    expect(await countRows('users', 'id = ? AND email_verified_at IS NULL', client.userId)).toBe(1);
    expect(await emailsTo(client.email, 'password_changed')).toHaveLength(0);
    await env.DB.prepare('UPDATE users SET disabled_at = NULL WHERE id = ?').bind(client.userId).run();
    expect((await login(client.email, STRONG_PASSWORD)).status).toBe(200);
  });

  it('lets one of two concurrent resets with one token win', async () => {
    const client = await register();
    await forgot(client.email);
    const token = await tokenFromLatestEmail(client.email, 'password_reset');
    const [a, b] = await Promise.all([reset(token, 'first-racer-password-1'), reset(token, 'second-racer-password-2')]);
    expect([a.status, b.status].sort()).toEqual([200, 400]);
    const winner = a.status === 200 ? 'first-racer-password-1' : 'second-racer-password-2';
    const loser = a.status === 200 ? 'second-racer-password-2' : 'first-racer-password-1';
    expect((await login(client.email, winner)).status).toBe(200);
    expect((await login(client.email, loser)).status).toBe(401);
    expect(await emailsTo(client.email, 'password_changed')).toHaveLength(1);
  });
});

describe('POST /api/auth/password/change', () => {
  it('changes the password, keeps this session, ends the others, and sends a notice', async () => {
    const client = await register();
    const other = await login(client.email, STRONG_PASSWORD);
    const otherCookie = cookieValue(other, 'refresh_token')!;
    const response = await change(client.accessToken, {
      current_password: STRONG_PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(response.status).toBe(200);
    expect((await refresh(client.refreshToken)).status).toBe(200);
    expect((await refresh(otherCookie)).status).toBe(401);
    expect((await login(client.email, NEW_PASSWORD)).status).toBe(200);
    expect(await emailsTo(client.email, 'password_changed')).toHaveLength(1);
  });

  it('answers 401 INVALID_CREDENTIALS for a wrong current password and changes nothing', async () => {
    const client = await register();
    const response = await change(client.accessToken, {
      current_password: 'not-my-password-1',
      new_password: NEW_PASSWORD,
    });
    await expectError(response, 401, 'INVALID_CREDENTIALS');
    expect((await login(client.email, STRONG_PASSWORD)).status).toBe(200);
    expect(await emailsTo(client.email, 'password_changed')).toHaveLength(0);
  });

  it('changes nothing when a reset lands between checking the current password and writing the new one', async () => {
    const victim = await register();
    await forgot(victim.email);
    const token = await tokenFromLatestEmail(victim.email, 'password_reset');
    // Someone with the old password and a session: their change's write waits until the reset is done.
    const response = await racingAReset(token, '/api/auth/password/change', {
      method: 'POST',
      headers: { ...bearer(victim.accessToken), 'Content-Type': 'application/json' },
      body: JSON.stringify({ current_password: STRONG_PASSWORD, new_password: 'attacker-chosen-pass-1' }),
    });
    await expectError(response, 401, 'INVALID_CREDENTIALS');
    expect((await login(victim.email, 'attacker-chosen-pass-1')).status).toBe(401);
    expect((await login(victim.email, NEW_PASSWORD)).status).toBe(200);
    expect(await emailsTo(victim.email, 'password_changed')).toHaveLength(1);
  });

  it('counts wrong current passwords toward the account lock', async () => {
    const client = await register();
    for (let i = 0; i < 10; i++) {
      expect(
        (await change(client.accessToken, { current_password: `wrong-${i}-password`, new_password: NEW_PASSWORD }))
          .status,
      ).toBe(401);
    }
    const locked = await change(client.accessToken, { current_password: STRONG_PASSWORD, new_password: NEW_PASSWORD });
    expect(locked.status).toBe(429);
  });

  it('holds the lock under concurrency: 30 parallel wrong current passwords get 10 checks, then 429 even for the right one', async () => {
    const client = await register();
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        change(client.accessToken, { current_password: `wrong-${i}-password`, new_password: NEW_PASSWORD }),
      ),
    );
    const codes = await Promise.all(responses.map(async (r) => `${r.status} ${(await errorBody(r)).code}`));
    expect(codes.filter((c) => c === '401 INVALID_CREDENTIALS')).toHaveLength(10);
    expect(codes.filter((c) => c === '429 RATE_LIMITED')).toHaveLength(20);
    expect(
      (await change(client.accessToken, { current_password: STRONG_PASSWORD, new_password: NEW_PASSWORD })).status,
    ).toBe(429);
    expect(await emailsTo(client.email, 'password_changed')).toHaveLength(0);
  });

  it('gives a checked attempt back when the current password is right', async () => {
    const client = await register();
    for (let i = 0; i < 9; i++)
      await change(client.accessToken, { current_password: `wrong-${i}-password`, new_password: NEW_PASSWORD });
    expect(
      (await change(client.accessToken, { current_password: STRONG_PASSWORD, new_password: NEW_PASSWORD })).status,
    ).toBe(200);
    expect(await countRows('rate_limit_hits', 'key = ?', `login-failed:${client.email}`)).toBe(9);
  });

  it.each([
    ['a common new password', { current_password: STRONG_PASSWORD, new_password: 'iloveyou' }],
    ['a short new password', { current_password: STRONG_PASSWORD, new_password: 'abc' }],
    ['a missing current password', { new_password: NEW_PASSWORD }],
  ])('answers 400 VALIDATION_ERROR for %s', async (_label, body) => {
    const client = await register();
    const response = await change(client.accessToken, body);
    await expectError(response, 400, 'VALIDATION_ERROR');
    expect((await login(client.email, STRONG_PASSWORD)).status).toBe(200);
  });

  it('requires a live session', async () => {
    const client = await register();
    await call('/api/auth/logout-all', { method: 'POST', headers: bearer(client.accessToken) });
    const response = await change(client.accessToken, {
      current_password: STRONG_PASSWORD,
      new_password: NEW_PASSWORD,
    });
    await expectError(response, 401, 'TOKEN_INVALID');
  });
});
