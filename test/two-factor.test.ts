// Second factors through the real Worker: setting up an authenticator app, the two-step sign-in,
// recovery codes, step-up and the routes that demand it, with wrong, replayed, expired, stolen and
// concurrent codes, and that nothing changes when a request is refused.
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  bearer,
  countRows,
  login,
  refresh,
  refreshCookieFrom,
  register,
  registerAdmin,
  STRONG_PASSWORD,
  uniqueIp,
} from './support/auth';
import { advanceClock } from './support/clock';
import { call, callWithBindings, expectError, postJson } from './support/http';
import { emailsTo } from './support/mailbox';
import { signInWith, uniqueSub } from './support/oauth';
import { TEST_APP_URL } from './support/settings';
import { generateMfaEncryptionKey } from '../scripts/lib/mfa-keys.mjs';
import { deleteExpiredRows } from '../src/db/cleanup';
import { createDatabase } from '../src/db/client';
import {
  authenticatorFor,
  claimsOf,
  jsonCall,
  mfaTokenFor,
  registerWithTotp,
  verify,
  registerVerified,
} from './support/two-factor';

afterEach(() => vi.useRealTimers());

const changePassword = (accessToken: string) =>
  jsonCall('POST', '/api/auth/password/change', accessToken, {
    current_password: STRONG_PASSWORD,
    new_password: STRONG_PASSWORD,
  });

describe('setting up an authenticator app', () => {
  it('gives a secret and its otpauth URI, turns on with a code, and returns recovery codes and an aal2 token', async () => {
    const client = await registerVerified();
    const started = await jsonCall('POST', '/api/me/2fa/totp', client.accessToken);
    expect(started.status).toBe(200);
    const { secret, otpauth_uri } = await started.json<{ secret: string; otpauth_uri: string }>();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauth_uri.startsWith(`otpauth://totp/Liftoff:${encodeURIComponent(client.email)}?`)).toBe(true);
    const uri = new URL(otpauth_uri);
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Liftoff');
    // Stored sealed, never as the secret itself.
    const row = await env.DB.prepare('SELECT secret_sealed, confirmed_at FROM totp_factors WHERE user_id = ?')
      .bind(client.userId)
      .first<{ secret_sealed: string; confirmed_at: number | null }>();
    expect(row?.confirmed_at).toBeNull();
    expect(row?.secret_sealed).not.toContain(secret);

    const app = authenticatorFor(secret);
    const confirmed = await jsonCall('POST', '/api/me/2fa/totp/confirm', client.accessToken, {
      code: await app.code(),
    });
    expect(confirmed.status).toBe(200);
    const body = await confirmed.json<{ recovery_codes: string[]; access_token: string }>();
    expect(body.recovery_codes).toHaveLength(10);
    expect(new Set(body.recovery_codes).size).toBe(10);
    for (const code of body.recovery_codes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    expect(claimsOf(body.access_token)).toMatchObject({ amr: ['pwd', 'otp'], aal: 'aal2' });
    expect(await countRows('recovery_codes', 'user_id = ? AND used_at IS NULL', client.userId)).toBe(10);
    expect(await countRows('audit_log', "user_id = ? AND action = 'mfa.totp_enabled'", client.userId)).toBe(1);
    expect((await emailsTo(client.email, 'second_factor_changed'))[0]?.subject).toBe('Two-step sign-in is on');

    const status = await jsonCall('GET', '/api/me/2fa', client.accessToken);
    expect(await status.json()).toMatchObject({ totp: { enabled: true, pending: false }, recovery_codes_left: 10 });
    // The refresh cookie's next token keeps what the session proved.
    const refreshed = await refresh(client.refreshToken);
    expect(claimsOf((await refreshed.json<{ access_token: string }>()).access_token)).toMatchObject({
      amr: ['pwd', 'otp'],
      aal: 'aal2',
    });
    // A second setup while one is on.
    await expectError(await jsonCall('POST', '/api/me/2fa/totp', body.access_token), 409, 'TOTP_ALREADY_ENABLED');
  });

  it('refuses a wrong code, a code before setup, and bad bodies, changing nothing', async () => {
    const client = await registerVerified();
    await expectError(
      await jsonCall('POST', '/api/me/2fa/totp/confirm', client.accessToken, { code: '123456' }),
      409,
      'TOTP_NOT_ENABLED',
    );
    const started = await jsonCall('POST', '/api/me/2fa/totp', client.accessToken, {});
    const app = authenticatorFor((await started.json<{ secret: string }>()).secret);
    const right = await app.code();
    const wrong = right === '000000' ? '111111' : '000000';
    await expectError(
      await jsonCall('POST', '/api/me/2fa/totp/confirm', client.accessToken, { code: wrong }),
      401,
      'SECOND_FACTOR_INVALID',
    );
    for (const body of [{}, { code: '12345' }, { code: 123456 }, { code: right, extra: 1 }]) {
      await expectError(
        await jsonCall('POST', '/api/me/2fa/totp/confirm', client.accessToken, body),
        400,
        'VALIDATION_ERROR',
      );
    }
    expect(await countRows('totp_factors', 'user_id = ? AND confirmed_at IS NOT NULL', client.userId)).toBe(0);
    expect(await countRows('recovery_codes', 'user_id = ?', client.userId)).toBe(0);
    // Without a bearer token.
    await expectError(await jsonCall('POST', '/api/me/2fa/totp', null, {}), 401, 'AUTH_HEADER_MISSING');
  });

  it("needs a verified address: a factor planted on someone else's address would outlive their proof", async () => {
    const client = await register();
    await expectError(await jsonCall('POST', '/api/me/2fa/totp', client.accessToken, {}), 403, 'FORBIDDEN');
    await expectError(await jsonCall('POST', '/api/me/passkeys/options', client.accessToken), 403, 'FORBIDDEN');
    expect(await countRows('totp_factors', 'user_id = ?', client.userId)).toBe(0);
  });

  it('needs the password, or a sign-in in the last 10 minutes, to start', async () => {
    const client = await registerVerified();
    advanceClock(11 * 60_000);
    const refreshed = await refresh(client.refreshToken);
    const { access_token } = await refreshed.json<{ access_token: string }>();
    await expectError(await jsonCall('POST', '/api/me/2fa/totp', access_token, {}), 403, 'STEP_UP_REQUIRED');
    await expectError(
      await jsonCall('POST', '/api/me/2fa/totp', access_token, { password: 'not-the-password-1' }),
      401,
      'INVALID_CREDENTIALS',
    );
    expect(await countRows('totp_factors', 'user_id = ?', client.userId)).toBe(0);
    const withPassword = await jsonCall('POST', '/api/me/2fa/totp', access_token, { password: STRONG_PASSWORD });
    expect(withPassword.status).toBe(200);
  });

  it('answers 503 MFA_NOT_CONFIGURED without MFA_ENCRYPTION_KEYS, and names a bad key ring', async () => {
    const client = await registerVerified();
    const request = {
      method: 'POST',
      headers: { ...bearer(client.accessToken), 'Content-Type': 'application/json' },
      body: '{}',
    };
    await expectError(
      await callWithBindings({ MFA_ENCRYPTION_KEYS: '' }, '/api/me/2fa/totp', request),
      503,
      'MFA_NOT_CONFIGURED',
    );
    const bad = await callWithBindings({ MFA_ENCRYPTION_KEYS: 'k1:short' }, '/api/me/2fa/totp', request);
    const body = await expectError(bad, 500, 'CONFIG_ERROR');
    expect(body.error).toContain('MFA_ENCRYPTION_KEYS');
    expect(body.error).not.toContain('short');
  });
});

describe('signing in with a second factor', () => {
  it('answers mfa_required with no session or cookie, then verify starts the session', async () => {
    const client = await registerWithTotp();
    const sessionsBefore = await countRows('sessions', 'user_id = ?', client.userId);
    const response = await login(client.email, STRONG_PASSWORD);
    expect(response.status).toBe(200);
    expect(response.headers.get('Set-Cookie')).toBeNull();
    const first = await response.json<Record<string, unknown>>();
    expect(Object.keys(first).sort()).toEqual(['methods', 'mfa_required', 'mfa_token']);
    expect(first.methods).toEqual(['totp', 'recovery_code']);
    expect(await countRows('sessions', 'user_id = ?', client.userId)).toBe(sessionsBefore);

    const verified = await verify({ mfa_token: first.mfa_token, code: await client.app.code(1) });
    expect(verified.status).toBe(200);
    expect(refreshCookieFrom(verified)).not.toBeNull();
    const body = await verified.json<{ access_token: string; user: { id: string }; redirect_to: null }>();
    expect(body.user.id).toBe(client.userId);
    expect(body.redirect_to).toBeNull();
    expect(claimsOf(body.access_token)).toMatchObject({ amr: ['pwd', 'otp'], aal: 'aal2', sub: client.userId });
    // The session that set the app up (stepped up by confirming) and this one.
    expect(await countRows('sessions', 'user_id = ? AND amr = ?', client.userId, 'pwd otp')).toBe(2);
    expect((await call('/api/me', { headers: bearer(body.access_token) })).status).toBe(200);

    // Single use: the same token again, even with another good code.
    advanceClock(30_000);
    await expectError(
      await verify({ mfa_token: first.mfa_token, code: await client.app.code(1) }),
      401,
      'MFA_TOKEN_INVALID',
    );
  });

  it('refuses a code already used (replay in its window) and an expired, malformed or unknown mfa_token', async () => {
    const client = await registerWithTotp(); // used the current step's code
    const token = await mfaTokenFor(client.email);
    await expectError(await verify({ mfa_token: token, code: await client.app.code(0) }), 401, 'SECOND_FACTOR_INVALID');
    await expectError(
      await verify({ mfa_token: token, code: await client.app.code(-1) }),
      401,
      'SECOND_FACTOR_INVALID',
    );
    await expectError(await verify({ mfa_token: token, code: await client.app.code(2) }), 401, 'SECOND_FACTOR_INVALID');
    for (const bad of ['x', `${token}x`, token.replace(/\.[^.]+$/, '.' + 'A'.repeat(43))]) {
      await expectError(await verify({ mfa_token: bad, code: await client.app.code(1) }), 401, 'MFA_TOKEN_INVALID');
    }
    advanceClock(5 * 60_000 + 1_000);
    await expectError(await verify({ mfa_token: token, code: await client.app.code(0) }), 401, 'MFA_TOKEN_INVALID');
    expect(await countRows('audit_log', "user_id = ? AND action = 'login.second_factor_failed'", client.userId)).toBe(
      3,
    );
  });

  it('checks the code against the token’s own user: another user’s code does not complete it', async () => {
    const victim = await registerWithTotp();
    const attacker = await registerWithTotp();
    const token = await mfaTokenFor(victim.email);
    await expectError(
      await verify({ mfa_token: token, code: await attacker.app.code(1) }),
      401,
      'SECOND_FACTOR_INVALID',
    );
    await expectError(
      await verify({ mfa_token: token, recovery_code: attacker.recoveryCodes[0] }),
      401,
      'SECOND_FACTOR_INVALID',
    );
    expect(await countRows('recovery_codes', 'user_id = ? AND used_at IS NOT NULL', attacker.userId)).toBe(0);
  });

  it('accepts each recovery code once, emails the user, and only one of many parallel uses wins', async () => {
    const client = await registerWithTotp();
    const [code] = client.recoveryCodes;
    const tokens = await Promise.all(Array.from({ length: 6 }, () => mfaTokenFor(client.email)));
    const answers = await Promise.all(
      tokens.map((mfa_token) => verify({ mfa_token, recovery_code: code!.toUpperCase().replaceAll('-', ' ') })),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401, 401, 401, 401, 401]);
    const winner = answers.find((answer) => answer.status === 200)!;
    expect(claimsOf((await winner.json<{ access_token: string }>()).access_token)).toMatchObject({
      amr: ['pwd', 'rc'],
      aal: 'aal2',
    });
    expect(await countRows('recovery_codes', 'user_id = ? AND used_at IS NOT NULL', client.userId)).toBe(1);
    expect(await emailsTo(client.email, 'second_factor_changed')).toHaveLength(2); // enabled, then used
    expect((await emailsTo(client.email, 'second_factor_changed'))[0]?.subject).toBe('A recovery code was used');
    const again = await mfaTokenFor(client.email);
    await expectError(await verify({ mfa_token: again, recovery_code: code }), 401, 'SECOND_FACTOR_INVALID');
  });

  it('one code completes only one of many parallel sign-ins', async () => {
    const client = await registerWithTotp();
    const tokens = await Promise.all(Array.from({ length: 5 }, () => mfaTokenFor(client.email)));
    const code = await client.app.code(1);
    const answers = await Promise.all(tokens.map((mfa_token) => verify({ mfa_token, code })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401, 401, 401, 401]);
  });

  it('counts wrong codes toward the account lock that wrong passwords use', async () => {
    const client = await registerWithTotp();
    const token = await mfaTokenFor(client.email);
    const right = await client.app.code(1);
    const wrong = right === '000000' ? '111111' : '000000';
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => verify({ mfa_token: token, code: wrong }, uniqueIp())),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(2);
    // Locked: the right code, and the right password, wait for the window too.
    await expectError(await verify({ mfa_token: token, code: right }), 429, 'RATE_LIMITED');
    await expectError(await login(client.email, STRONG_PASSWORD), 429, 'RATE_LIMITED');
  });

  it('validates the body: exactly one of code and recovery_code', async () => {
    const client = await registerWithTotp();
    const token = await mfaTokenFor(client.email);
    for (const body of [
      { mfa_token: token },
      { mfa_token: token, code: '123456', recovery_code: 'abcd-efgh-ijkl-mnop' },
      { code: '123456' },
      { mfa_token: token, code: 'abcdef' },
      { mfa_token: 'x'.repeat(201), code: '123456' },
    ]) {
      await expectError(await verify(body), 400, 'VALIDATION_ERROR');
    }
  });

  it('answers 503 for a secret sealed under a key the ring no longer has, changing nothing; a recovery code still works', async () => {
    const client = await registerWithTotp();
    const token = await mfaTokenFor(client.email);
    const rotatedAway = { MFA_ENCRYPTION_KEYS: generateMfaEncryptionKey() };
    const post = (body: unknown) =>
      callWithBindings(rotatedAway, '/api/auth/2fa/verify', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const sessionsBefore = await countRows('sessions', 'user_id = ?', client.userId);
    await expectError(await post({ mfa_token: token, code: await client.app.code(1) }), 503, 'MFA_NOT_CONFIGURED');
    expect(await countRows('sessions', 'user_id = ?', client.userId)).toBe(sessionsBefore);
    expect(await countRows('mfa_challenges', 'user_id = ?', client.userId)).toBe(1);
    expect((await post({ mfa_token: token, recovery_code: client.recoveryCodes[0] })).status).toBe(200);
  });

  it('the cron job deletes pending second steps and passkey challenges once they expire', async () => {
    const client = await registerWithTotp();
    await mfaTokenFor(client.email);
    await postJson('/api/auth/passkeys/options', {}, { 'CF-Connecting-IP': uniqueIp() });
    const db = createDatabase(env);
    const retention = { auditDays: 365, stripeEventDays: 90 };
    await deleteExpiredRows(db, new Date(), retention);
    expect(await countRows('mfa_challenges', 'user_id = ?', client.userId)).toBe(1);
    const later = new Date(Date.now() + 5 * 60_000 + 1_000);
    const counts = await deleteExpiredRows(db, later, retention);
    expect(counts.signInChallenges).toBeGreaterThanOrEqual(2);
    expect(await countRows('mfa_challenges', 'user_id = ?', client.userId)).toBe(0);
    expect(await countRows('webauthn_challenges', 'expires_at <= ?', later.getTime())).toBe(0);
  });

  it('a password reset meanwhile voids the pending sign-in', async () => {
    const client = await registerWithTotp();
    const token = await mfaTokenFor(client.email);
    await env.DB.prepare("UPDATE users SET password_hash = 'changed' WHERE id = ?").bind(client.userId).run();
    await expectError(await verify({ mfa_token: token, code: await client.app.code(1) }), 401, 'SECOND_FACTOR_INVALID');
  });
});

describe('step-up and the routes that demand a second factor', () => {
  it('a session from before the app was set up must step up before changing the password', async () => {
    const client = await registerVerified();
    const other = await login(client.email, STRONG_PASSWORD);
    const otherToken = (await other.json<{ access_token: string }>()).access_token;
    // Enrol from the first session.
    const started = await jsonCall('POST', '/api/me/2fa/totp', client.accessToken, {});
    const app = authenticatorFor((await started.json<{ secret: string }>()).secret);
    expect(
      (await jsonCall('POST', '/api/me/2fa/totp/confirm', client.accessToken, { code: await app.code() })).status,
    ).toBe(200);

    await expectError(await changePassword(otherToken), 403, 'STEP_UP_REQUIRED');
    await expectError(
      await jsonCall('DELETE', '/api/me', otherToken, { password: STRONG_PASSWORD }),
      403,
      'STEP_UP_REQUIRED',
    );
    expect(await countRows('users', 'id = ?', client.userId)).toBe(1);
    // A password is not a step-up for an account with a second factor.
    await expectError(
      await jsonCall('POST', '/api/auth/step-up', otherToken, { password: STRONG_PASSWORD }),
      400,
      'VALIDATION_ERROR',
    );
    const steppedUp = await jsonCall('POST', '/api/auth/step-up', otherToken, { code: await app.code(1) });
    expect(steppedUp.status).toBe(200);
    const { access_token } = await steppedUp.json<{ access_token: string }>();
    expect(claimsOf(access_token)).toMatchObject({ amr: ['pwd', 'otp'], aal: 'aal2' });
    // The session row changed: even the old token now passes (the check reads D1).
    expect((await changePassword(otherToken)).status).toBe(200);
    expect(await countRows('audit_log', "user_id = ? AND action = 'session.stepped_up'", client.userId)).toBe(1);
  });

  it('steps up with the password on an account without a second factor, moving auth_time', async () => {
    const client = await registerVerified();
    advanceClock(20 * 60_000);
    const before = claimsOf(client.accessToken).auth_time as number;
    const refreshed = await refresh(client.refreshToken);
    const token = (await refreshed.json<{ access_token: string }>()).access_token;
    await expectError(await jsonCall('POST', '/api/auth/step-up', token, { code: '123456' }), 409, 'TOTP_NOT_ENABLED');
    await expectError(
      await jsonCall('POST', '/api/auth/step-up', token, { password: 'not-the-password-1' }),
      401,
      'INVALID_CREDENTIALS',
    );
    const steppedUp = await jsonCall('POST', '/api/auth/step-up', token, { password: STRONG_PASSWORD });
    expect(steppedUp.status).toBe(200);
    const steppedUpToken = (await steppedUp.json<{ access_token: string }>()).access_token;
    const claims = claimsOf(steppedUpToken);
    expect(claims).toMatchObject({ amr: ['pwd'], aal: 'aal1' });
    expect(claims.auth_time as number).toBeGreaterThanOrEqual(before + 20 * 60);
    // Now recent enough to set up an app without the password (the old token still says otherwise).
    await expectError(await jsonCall('POST', '/api/me/2fa/totp', token, {}), 403, 'STEP_UP_REQUIRED');
    expect((await jsonCall('POST', '/api/me/2fa/totp', steppedUpToken, {})).status).toBe(200);
  });

  it('an admin with a second factor uses the admin API only from a session that proved it', async () => {
    const client = await registerWithTotp();
    await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(client.userId).run();
    const token = await mfaTokenFor(client.email);
    const verified = await verify({ mfa_token: token, code: await client.app.code(1) });
    const aal2 = (await verified.json<{ access_token: string }>()).access_token;
    expect((await call('/api/admin/users', { headers: bearer(aal2) })).status).toBe(200);
    // A session that only used a password (as one from before the app was set up): refused.
    const refreshed = await refresh(client.refreshToken);
    const aal1 = (await refreshed.json<{ access_token: string }>()).access_token;
    expect(claimsOf(aal1).aal).toBe('aal2'); // registerWithTotp stepped its own session up on confirm
    await env.DB.prepare("UPDATE sessions SET amr = 'pwd' WHERE id = ?").bind(claimsOf(aal1).sid).run();
    await expectError(await call('/api/admin/users', { headers: bearer(aal1) }), 403, 'STEP_UP_REQUIRED');
  });
});

describe('turning it off and new recovery codes', () => {
  it('disables with a current code: sign-in is one step again, the codes are gone, the user is told', async () => {
    const client = await registerWithTotp();
    const right = await client.app.code(1);
    const wrong = right === '000000' ? '111111' : '000000';
    await expectError(
      await jsonCall('DELETE', '/api/me/2fa/totp', client.accessToken, { code: wrong }),
      401,
      'SECOND_FACTOR_INVALID',
    );
    await expectError(await jsonCall('DELETE', '/api/me/2fa/totp', client.accessToken, {}), 400, 'VALIDATION_ERROR');
    expect(await countRows('totp_factors', 'user_id = ?', client.userId)).toBe(1);
    expect((await jsonCall('DELETE', '/api/me/2fa/totp', client.accessToken, { code: right })).status).toBe(204);
    expect(await countRows('totp_factors', 'user_id = ?', client.userId)).toBe(0);
    expect(await countRows('recovery_codes', 'user_id = ?', client.userId)).toBe(0);
    expect((await emailsTo(client.email, 'second_factor_changed'))[0]?.subject).toBe('Two-step sign-in is off');
    const response = await login(client.email, STRONG_PASSWORD);
    expect(await response.json()).toHaveProperty('access_token');
    await expectError(
      await jsonCall('DELETE', '/api/me/2fa/totp', client.accessToken, { code: right }),
      409,
      'TOTP_NOT_ENABLED',
    );
  });

  it('disables with a recovery code', async () => {
    const client = await registerWithTotp();
    const answer = await jsonCall('DELETE', '/api/me/2fa/totp', client.accessToken, {
      recovery_code: client.recoveryCodes[3],
    });
    expect(answer.status).toBe(204);
    expect(await countRows('audit_log', "user_id = ? AND action = 'mfa.totp_disabled'", client.userId)).toBe(1);
  });

  it('regenerating recovery codes voids the old ones', async () => {
    const client = await registerWithTotp();
    const answer = await jsonCall('POST', '/api/me/2fa/recovery-codes', client.accessToken, {
      code: await client.app.code(1),
    });
    expect(answer.status).toBe(200);
    const { recovery_codes } = await answer.json<{ recovery_codes: string[] }>();
    expect(recovery_codes).toHaveLength(10);
    const token = await mfaTokenFor(client.email);
    await expectError(
      await verify({ mfa_token: token, recovery_code: client.recoveryCodes[0] }),
      401,
      'SECOND_FACTOR_INVALID',
    );
    expect((await verify({ mfa_token: token, recovery_code: recovery_codes[0] })).status).toBe(200);
    expect((await emailsTo(client.email, 'second_factor_changed')).map((email) => email.subject)).toContain(
      'New recovery codes',
    );
  });
});

describe('OAuth sign-in on an account with a second factor', () => {
  it('redirects to the front end with an mfa_token in the fragment (no cookie), and verify completes it', async () => {
    const client = await registerWithTotp();
    const identity = { sub: uniqueSub(), email: client.email, email_verified: true, name: 'Two Step' };
    for (const round of [1, 2]) {
      // Round 1 links the provider to the account by its verified email; round 2 signs in by the link.
      if (round === 2) advanceClock(30_000);
      const { callback } = await signInWith('google', identity, '/settings');
      expect(callback.status).toBe(302);
      expect(refreshCookieFrom(callback)).toBeNull();
      const location = new URL(callback.headers.get('Location')!);
      expect(`${location.origin}${location.pathname}${location.search}`).toBe(`${TEST_APP_URL}/login`);
      const fragment = new URLSearchParams(location.hash.slice(1));
      expect(fragment.get('methods')).toBe('totp,recovery_code');
      expect(await countRows('oauth_accounts', 'user_id = ?', client.userId)).toBe(1);
      const verified = await verify({ mfa_token: fragment.get('mfa_token'), code: await client.app.code(1) });
      expect(verified.status).toBe(200);
      const body = await verified.json<{ access_token: string; redirect_to: string }>();
      expect(body.redirect_to).toBe('/settings');
      expect(claimsOf(body.access_token)).toMatchObject({ amr: ['oauth', 'otp'], aal: 'aal2' });
      expect(refreshCookieFrom(verified)).not.toBeNull();
    }
  });

  it('a pending OAuth sign-in dies with its provider link (unlinked, or removed by the owner proving the address)', async () => {
    const client = await registerWithTotp();
    const identity = { sub: uniqueSub(), email: client.email, email_verified: true, name: 'Two Step' };
    const { callback } = await signInWith('google', identity, '/');
    const mfaToken = new URLSearchParams(new URL(callback.headers.get('Location')!).hash.slice(1)).get('mfa_token');
    const unlinked = await jsonCall('DELETE', '/api/me/accounts/google', client.accessToken);
    expect(unlinked.status).toBe(204);
    await expectError(
      await verify({ mfa_token: mfaToken, code: await client.app.code(1) }),
      401,
      'SECOND_FACTOR_INVALID',
    );
    expect(await countRows('sessions', "user_id = ? AND auth_method = 'oauth:google'", client.userId)).toBe(0);
  });
});

describe('admin: second factors', () => {
  it('shows who has one, and resets it for a user who lost it (audited, emailed)', async () => {
    const admin = await registerAdmin();
    const client = await registerWithTotp();
    const detail = await call(`/api/admin/users/${client.userId}`, { headers: bearer(admin.accessToken) });
    expect((await detail.json<{ user: { has_second_factor: boolean } }>()).user.has_second_factor).toBe(true);
    // Not for users, nor for another user's own session.
    await expectError(
      await jsonCall('POST', `/api/admin/users/${client.userId}/reset-second-factor`, client.accessToken),
      403,
      'FORBIDDEN',
    );
    const reset = await jsonCall('POST', `/api/admin/users/${client.userId}/reset-second-factor`, admin.accessToken);
    expect(reset.status).toBe(200);
    expect((await reset.json<{ user: { has_second_factor: boolean } }>()).user.has_second_factor).toBe(false);
    expect(await countRows('totp_factors', 'user_id = ?', client.userId)).toBe(0);
    expect(await countRows('recovery_codes', 'user_id = ?', client.userId)).toBe(0);
    expect(
      await countRows(
        'audit_log',
        "user_id = ? AND actor_id = ? AND action = 'admin.second_factor_reset'",
        client.userId,
        admin.userId,
      ),
    ).toBe(1);
    expect((await emailsTo(client.email, 'second_factor_changed'))[0]?.subject).toBe('Your second factors were reset');
    expect(await (await login(client.email, STRONG_PASSWORD)).json()).toHaveProperty('access_token');
    await expectError(
      await jsonCall('POST', '/api/admin/users/nobody/reset-second-factor', admin.accessToken),
      404,
      'NOT_FOUND',
    );
  });
});
