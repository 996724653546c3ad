// Verification emails: sent at sign-up through the outbox, used once within 24 h, resent on request.
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bearer, countRows, login, refresh, register, STRONG_PASSWORD, uniqueEmail, uniqueIp } from './support/auth';
import { advanceClock } from './support/clock';
import { call, callWithBindings, errorBody, expectError, postJson } from './support/http';
import { emailsTo, tokenFromLatestEmail } from './support/mailbox';
import { TEST_APP_URL } from './support/settings';

afterEach(() => vi.useRealTimers());

const verify = (token: unknown) => postJson('/api/auth/verify-email', { token });
const resend = (accessToken: string) =>
  call('/api/auth/verify-email/resend', { method: 'POST', headers: bearer(accessToken) });
/** As a front end should: the link opened with the access token of the session that signed up. */
const verifySignedIn = (accessToken: string, token: string) =>
  call('/api/auth/verify-email', {
    method: 'POST',
    headers: { ...bearer(accessToken), 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  });

describe('verification email at sign-up', () => {
  it('is queued in the outbox with a link to APP_URL, and the token verifies the email once', async () => {
    const client = await register({ name: 'Ada' });
    const [email] = await emailsTo(client.email, 'verify_email');
    expect(email?.subject).toBe('Confirm your email address');
    expect(email?.text_body).toContain(`${TEST_APP_URL}/verify-email?token=`);
    // User-supplied text never appears in an email (it could pass for ours).
    expect(email?.text_body).not.toContain('Ada');
    const token = await tokenFromLatestEmail(client.email, 'verify_email');

    const response = await verifySignedIn(client.accessToken, token);
    expect(response.status).toBe(200);
    const { user } = await response.json<{ user: { id: string; email_verified: boolean; role: string } }>();
    expect(user).toMatchObject({ id: client.userId, email_verified: true, role: 'user' });
    const me = await (
      await call('/api/me', { headers: bearer(client.accessToken) })
    ).json<{ email_verified: boolean }>();
    expect(me.email_verified).toBe(true);

    const again = await verify(token);
    await expectError(again, 400, 'TOKEN_INVALID');
  });

  it('carries no attacker text: the name is neither in the text nor in the HTML', async () => {
    const client = await register({ name: 'Ada https://evil.example/secure <b>urgent</b>' });
    const row = await env.DB.prepare(
      "SELECT text_body, html_body FROM email_outbox WHERE user_id = ? AND template = 'verify_email'",
    )
      .bind(client.userId)
      .first<{ text_body: string; html_body: string }>();
    for (const body of [row!.text_body, row!.html_body]) {
      expect(body).not.toContain('evil.example');
      expect(body).not.toContain('urgent');
    }
  });

  it('stores only a hash of the token', async () => {
    const client = await register();
    const token = await tokenFromLatestEmail(client.email, 'verify_email');
    const secret = token.split('.')[1]!;
    const stored = await env.DB.prepare('SELECT secret_hash FROM account_tokens WHERE user_id = ?')
      .bind(client.userId)
      .first<{ secret_hash: string }>();
    expect(stored?.secret_hash).not.toContain(secret);
  });

  it('refuses an expired token (after 24 h) and leaves the email unverified', async () => {
    const client = await register();
    const token = await tokenFromLatestEmail(client.email, 'verify_email');
    advanceClock(24 * 3_600_000 + 1000);
    const response = await verify(token);
    await expectError(response, 400, 'TOKEN_INVALID');
    expect(await countRows('users', 'id = ? AND email_verified_at IS NULL', client.userId)).toBe(1);
  });

  it('refuses forged, malformed and cross-purpose tokens, changing nothing', async () => {
    const client = await register();
    const token = await tokenFromLatestEmail(client.email, 'verify_email');
    const [id, secret] = token.split('.') as [string, string];
    const forged = [
      `${id}.${'A'.repeat(43)}`,
      `${'a'.repeat(24)}.${secret}`,
      `${id}.${secret}x`,
      id,
      'not a token',
      '',
    ];
    for (const candidate of forged) {
      const response = await verify(candidate);
      expect(response.status).toBe(400);
      expect(['TOKEN_INVALID', 'VALIDATION_ERROR']).toContain((await errorBody(response)).code);
    }
    for (const wrongType of [42, null, ['x']]) {
      await expectError(await verify(wrongType), 400, 'VALIDATION_ERROR');
    }
    // A reset token can't verify an email.
    await postJson('/api/auth/password/forgot', { email: client.email });
    const resetToken = await tokenFromLatestEmail(client.email, 'password_reset');
    await expectError(await verify(resetToken), 400, 'TOKEN_INVALID');
    expect(await countRows('users', 'id = ? AND email_verified_at IS NULL', client.userId)).toBe(1);
    expect((await verify(token)).status).toBe(200);
  });

  it('lets exactly one of two concurrent uses of a token succeed', async () => {
    const client = await register();
    const token = await tokenFromLatestEmail(client.email, 'verify_email');
    const statuses = (await Promise.all([verify(token), verify(token), verify(token)])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 400, 400]);
    expect(await countRows('audit_log', "user_id = ? AND action = 'email.verified'", client.userId)).toBe(1);
  });

  it('makes a user listed in ADMIN_EMAILS an admin once verified, not before', async () => {
    const email = uniqueEmail('boss');
    const settings = { ADMIN_EMAILS: `someone@example.com,${email.toUpperCase()}` };
    const registered = await callWithBindings(settings, '/api/auth/register', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': uniqueIp() },
      body: JSON.stringify({ email, password: STRONG_PASSWORD }),
    });
    expect((await registered.json<{ user: { role: string } }>()).user.role).toBe('user');
    const token = await tokenFromLatestEmail(email, 'verify_email');
    const verified = await callWithBindings(settings, '/api/auth/verify-email', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect((await verified.json<{ user: { role: string } }>()).user.role).toBe('admin');
  });
});

describe('a password chosen before the address was proven (pre-account hijacking)', () => {
  const NEW_PASSWORD = 'saffron-lattice-orbit-77';

  it("is removed, with its sessions, when the address is proven by a link opened without that password's session", async () => {
    // Someone signs up with an address that is not theirs (here one that ADMIN_EMAILS lists)...
    const squatter = await register();
    const settings = { ADMIN_EMAILS: squatter.email };
    // ...and its owner opens the confirmation email.
    const verified = await callWithBindings(settings, '/api/auth/verify-email', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: await tokenFromLatestEmail(squatter.email, 'verify_email') }),
    });
    expect(verified.status).toBe(200);
    expect((await verified.json<{ user: { email_verified: boolean; role: string } }>()).user).toMatchObject({
      email_verified: true,
      role: 'admin',
    });
    // The squatter is out: no password, no session.
    expect((await refresh(squatter.refreshToken)).status).toBe(401);
    expect((await call('/api/auth/sessions', { headers: bearer(squatter.accessToken) })).status).toBe(401);
    expect((await login(squatter.email, STRONG_PASSWORD)).status).toBe(401);
    const audit = await env.DB.prepare(
      "SELECT metadata FROM audit_log WHERE user_id = ? AND action = 'account.unvouched_credentials_removed'",
    )
      .bind(squatter.userId)
      .first<{ metadata: string }>();
    expect(JSON.parse(audit!.metadata)).toEqual({ providers: [], password: true, proof: 'email_verification' });
    // The owner sets a password through the mailbox and is the admin.
    await postJson('/api/auth/password/forgot', { email: squatter.email }, { 'CF-Connecting-IP': uniqueIp() });
    const reset = await postJson('/api/auth/password/reset', {
      token: await tokenFromLatestEmail(squatter.email, 'password_reset'),
      password: NEW_PASSWORD,
    });
    expect(reset.status).toBe(200);
    const owner = await login(squatter.email, NEW_PASSWORD);
    expect((await owner.json<{ user: { role: string } }>()).user.role).toBe('admin');
  });

  it('stays, vouched for, when the link is opened by the session that signed up with it', async () => {
    const client = await register();
    const verified = await verifySignedIn(client.accessToken, await tokenFromLatestEmail(client.email, 'verify_email'));
    expect(verified.status).toBe(200);
    expect(
      await countRows('users', 'id = ? AND password_vouched = 1 AND password_hash IS NOT NULL', client.userId),
    ).toBe(1);
    expect((await refresh(client.refreshToken)).status).toBe(200);
    expect((await login(client.email, STRONG_PASSWORD)).status).toBe(200);
    expect(
      await countRows('audit_log', "user_id = ? AND action = 'account.unvouched_credentials_removed'", client.userId),
    ).toBe(0);
  });

  it('stays when opened by another session that password started (signed in on another device)', async () => {
    const client = await register();
    const phone = await login(client.email, STRONG_PASSWORD);
    const { access_token } = await phone.json<{ access_token: string }>();
    expect((await verifySignedIn(access_token, await tokenFromLatestEmail(client.email, 'verify_email'))).status).toBe(
      200,
    );
    expect(await countRows('users', 'id = ? AND password_vouched = 1', client.userId)).toBe(1);
  });

  it('does not count a session of another account', async () => {
    const squatter = await register();
    const other = await register();
    const response = await verifySignedIn(
      other.accessToken,
      await tokenFromLatestEmail(squatter.email, 'verify_email'),
    );
    expect(response.status).toBe(200);
    expect(await countRows('users', 'id = ? AND password_hash IS NULL', squatter.userId)).toBe(1);
    expect((await refresh(other.refreshToken)).status).toBe(200);
  });
});

describe('POST /api/auth/verify-email/resend', () => {
  it('queues a new link (202 {"ok": true}); both links work until one is used', async () => {
    const client = await register();
    const first = await tokenFromLatestEmail(client.email, 'verify_email');
    const response = await resend(client.accessToken);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ ok: true });
    expect(await emailsTo(client.email, 'verify_email')).toHaveLength(2);
    const second = await tokenFromLatestEmail(client.email, 'verify_email');
    expect(second).not.toBe(first);
    expect((await verify(second)).status).toBe(200);
  });

  it('sends nothing once the email is verified (still 202)', async () => {
    const client = await register();
    await verifySignedIn(client.accessToken, await tokenFromLatestEmail(client.email, 'verify_email'));
    expect((await resend(client.accessToken)).status).toBe(202);
    expect(await emailsTo(client.email, 'verify_email')).toHaveLength(1);
  });

  it('allows 5 emails per account per hour, then 429 with Retry-After', async () => {
    const client = await register();
    for (let i = 0; i < 5; i++) expect((await resend(client.accessToken)).status).toBe(202);
    const limited = await resend(client.accessToken);
    await expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(3500);
    expect(await emailsTo(client.email, 'verify_email')).toHaveLength(6);
  });

  it('sends nothing to a disabled user, whose token from before the disable is refused', async () => {
    const client = await register();
    await env.DB.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').bind(Date.now(), client.userId).run();
    const response = await resend(client.accessToken);
    await expectError(response, 401, 'TOKEN_INVALID');
    expect(await emailsTo(client.email, 'verify_email')).toHaveLength(1);
  });

  it('requires a bearer token', async () => {
    const response = await call('/api/auth/verify-email/resend', { method: 'POST' });
    await expectError(response, 401, 'AUTH_HEADER_MISSING');
  });
});
