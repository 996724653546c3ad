// OAuth sign-in end to end: a real OIDC server (oauth2-mock-server) and fakes of Google and GitHub.
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bearer, countRows, login, refresh, register, STRONG_PASSWORD, uniqueEmail, uniqueIp } from './support/auth';
import { advanceClock } from './support/clock';
import { holdingD1 } from './support/d1';
import { call, cookieValue, expectError, postJson } from './support/http';
import { tokenFromLatestEmail } from './support/mailbox';
import { GOOGLE_CLIENT_ID, oauthCall, signInWith, startAndConsent, uniqueSub } from './support/oauth';
import { TEST_API_URL, TEST_APP_URL } from './support/settings';

afterEach(() => vi.useRealTimers());

async function accessTokenFrom(callback: Response) {
  const refreshToken = cookieValue(callback, 'refresh_token');
  expect(refreshToken).toBeTruthy();
  const refreshed = await refresh(refreshToken!);
  expect(refreshed.status).toBe(200);
  return (await refreshed.json<{ access_token: string }>()).access_token;
}

async function me(accessToken: string) {
  return (await call('/api/me', { headers: bearer(accessToken) })).json<{
    id: string;
    email: string;
    name: string | null;
    email_verified: boolean;
    role: string;
  }>();
}

function expectLoginError(response: Response, code: string) {
  expect(response.status).toBe(302);
  expect(response.headers.get('Location')).toBe(`${TEST_APP_URL}/login?error=${code}`);
  expect(cookieValue(response, 'refresh_token')).toBeNull();
}

/** Runs the flow's callback with its first D1 batch held, so a test can change what it read. */
async function callbackHeldAtFirstBatch(flow: { callbackPath: string; stateCookie: string }) {
  const held = holdingD1(env.DB, 1);
  const racing = oauthCall(
    flow.callbackPath,
    { headers: { Cookie: `oauth_state=${flow.stateCookie}` } },
    { DB: held.db },
  );
  await held.reached;
  return { held, racing };
}

describe('OpenID Connect (a real OIDC server on loopback)', () => {
  it('redirects with state, PKCE S256 and a nonce, then signs the user in and up', async () => {
    const email = uniqueEmail('oidc');
    const { start, authorizationUrl, callback } = await signInWith('oidc', {
      sub: `kc-${uniqueSub()}`,
      email,
      email_verified: true,
      name: 'Kay Cloak',
    });
    expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${env.TEST_OIDC_ISSUER}/authorize`);
    const params = authorizationUrl.searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe('liftoff-oidc-client');
    expect(params.get('redirect_uri')).toBe(`${TEST_API_URL}/api/auth/oauth/oidc/callback`);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(params.get('state')).toBeTruthy();
    expect(params.get('nonce')).toBeTruthy();
    expect(params.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));
    const stateCookie = start.headers.get('Set-Cookie') ?? '';
    for (const attribute of ['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/api/auth/oauth', 'Max-Age=600']) {
      expect(stateCookie).toContain(attribute);
    }
    // The verifier never leaves the server side in the clear: only its S256 challenge is in the URL.
    expect(authorizationUrl.toString()).not.toContain(
      JSON.parse(Buffer.from(cookieValue(start, 'oauth_state')!, 'base64url').toString()).verifier,
    );

    expect(callback.status).toBe(302);
    expect(callback.headers.get('Location')).toBe(`${TEST_APP_URL}/dashboard`);
    expect(callback.headers.get('Set-Cookie')).toMatch(/oauth_state=;.*Max-Age=0/);
    const user = await me(await accessTokenFrom(callback));
    expect(user).toMatchObject({ email, name: 'Kay Cloak', email_verified: true, role: 'user' });
    expect(await countRows('oauth_accounts', "provider = 'oidc' AND user_id = ?", user.id)).toBe(1);
    expect(await countRows('users', 'id = ? AND password_hash IS NULL', user.id)).toBe(1);
    expect(await countRows('audit_log', "user_id = ? AND action = 'oauth.account_created'", user.id)).toBe(1);
  });

  it('sends the user to APP_URL/login?error=provider_unavailable when discovery fails, setting no cookie', async () => {
    // An issuer without a discovery document (the Google fake answers 404 there).
    const response = await oauthCall('/api/auth/oauth/oidc', undefined, { OIDC_ISSUER: env.TEST_GOOGLE_FAKE_URL });
    expectLoginError(response, 'provider_unavailable');
    expect(cookieValue(response, 'oauth_state')).toBeNull();
  });

  it('says in the log exactly how the issuer differs when OIDC_ISSUER has a trailing slash the provider does not', async () => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    const issuer = `${env.TEST_OIDC_ISSUER}/`;
    const response = await oauthCall('/api/auth/oauth/oidc', undefined, { OIDC_ISSUER: issuer });
    expectLoginError(response, 'provider_unavailable');
    const lines = out.mock.calls.map(([line]) => JSON.parse(String(line)));
    const warning = lines.find((line) => line.msg === 'oauth provider unavailable');
    expect(warning?.error).toContain(`"${env.TEST_OIDC_ISSUER}" is not OIDC_ISSUER "${issuer}"`);
    expect(warning?.error).toContain('trailing slash');
  });

  it('refuses a callback whose RFC 9207 iss is not the issuer (mix-up), like a state mismatch, and accepts the right one', async () => {
    const identity = { sub: `kc-${uniqueSub()}`, email: uniqueEmail('oidc'), email_verified: true };
    for (const iss of ['https://evil.example', `${env.TEST_OIDC_ISSUER}/`]) {
      const flow = await startAndConsent('oidc', identity);
      const response = await oauthCall(`${flow.callbackPath}&iss=${encodeURIComponent(iss)}`, {
        headers: { Cookie: `oauth_state=${flow.stateCookie}` },
      });
      await expectError(response, 400, 'OAUTH_STATE_MISMATCH');
      expect(cookieValue(response, 'refresh_token')).toBeNull();
    }
    const flow = await startAndConsent('oidc', identity);
    const response = await oauthCall(`${flow.callbackPath}&iss=${encodeURIComponent(env.TEST_OIDC_ISSUER)}`, {
      headers: { Cookie: `oauth_state=${flow.stateCookie}` },
    });
    expect(response.headers.get('Location')).toBe(`${TEST_APP_URL}/dashboard`);
    expect(cookieValue(response, 'refresh_token')).toBeTruthy();
  });

  it('signs the same subject into the same account next time', async () => {
    const identity = { sub: `kc-${uniqueSub()}`, email: uniqueEmail('oidc'), email_verified: true };
    const first = await me(await accessTokenFrom((await signInWith('oidc', identity)).callback));
    const second = await me(await accessTokenFrom((await signInWith('oidc', identity)).callback));
    expect(second.id).toBe(first.id);
    expect(await countRows('audit_log', "user_id = ? AND action = 'oauth.login'", first.id)).toBe(1);
  });
});

describe('Google (fake with real response shapes)', () => {
  it('signs up from a verified ID token and lists the link', async () => {
    const email = uniqueEmail('g');
    const { authorizationUrl, callback } = await signInWith('google', {
      sub: uniqueSub(),
      email,
      email_verified: true,
      name: 'Gee',
    });
    expect(authorizationUrl.searchParams.get('client_id')).toBe(GOOGLE_CLIENT_ID);
    const accessToken = await accessTokenFrom(callback);
    expect(await me(accessToken)).toMatchObject({ email, email_verified: true });
    const accounts = await oauthCall('/api/me/accounts', { headers: bearer(accessToken) });
    expect(await accounts.json()).toMatchObject({ has_password: false, accounts: [{ provider: 'google', email }] });
  });

  it.each(['signature', 'aud', 'nonce', 'expired', 'issuer'] as const)(
    'refuses an ID token with a bad %s, creating nothing',
    async (tamper) => {
      const email = uniqueEmail('tampered');
      const { callback } = await signInWith('google', { sub: uniqueSub(), email, email_verified: true, tamper });
      expectLoginError(callback, 'identity_rejected');
      expect(await countRows('users', 'email = ?', email)).toBe(0);
    },
  );

  it('links to an existing verified account only when Google says the email is verified', async () => {
    const client = await register();
    await env.DB.prepare('UPDATE users SET email_verified_at = ?, password_vouched = 1 WHERE id = ?')
      .bind(Date.now(), client.userId)
      .run();
    const unverified = await signInWith('google', { sub: uniqueSub(), email: client.email, email_verified: false });
    expectLoginError(unverified.callback, 'email_not_verified');
    expect(await countRows('oauth_accounts', 'user_id = ?', client.userId)).toBe(0);

    const verified = await signInWith('google', { sub: uniqueSub(), email: client.email, email_verified: true });
    const user = await me(await accessTokenFrom(verified.callback));
    expect(user.id).toBe(client.userId);
    // A verified account keeps its password and its sessions.
    expect((await login(client.email, STRONG_PASSWORD)).status).toBe(200);
    expect(await countRows('audit_log', "user_id = ? AND action = 'oauth.linked'", client.userId)).toBe(1);
  });

  it('takes over an unverified password account for the verified owner: password and sessions removed', async () => {
    const squatter = await register();
    const verified = await signInWith('google', { sub: uniqueSub(), email: squatter.email, email_verified: true });
    const user = await me(await accessTokenFrom(verified.callback));
    expect(user).toMatchObject({ id: squatter.userId, email_verified: true });
    expect((await login(squatter.email, STRONG_PASSWORD)).status).toBe(401);
    const squatterRefresh = await refresh(squatter.refreshToken);
    expect(squatterRefresh.status).toBe(401);
  });

  it('also drops links of providers that did not vouch for the address when the verified owner takes over', async () => {
    const email = uniqueEmail('owner');
    const attacker = { sub: `kc-${uniqueSub()}`, email, email_verified: false };
    const planted = await signInWith('oidc', attacker);
    const attackerCookie = cookieValue(planted.callback, 'refresh_token')!;
    const owner = await signInWith('google', { sub: uniqueSub(), email, email_verified: true });
    const ownerToken = await accessTokenFrom(owner.callback);
    const accounts = await (
      await oauthCall('/api/me/accounts', { headers: bearer(ownerToken) })
    ).json<{ accounts: { provider: string }[] }>();
    expect(accounts.accounts.map((a) => a.provider)).toEqual(['google']);
    expect((await refresh(attackerCookie)).status).toBe(401);
    expectLoginError((await signInWith('oidc', attacker)).callback, 'email_not_verified');
  });

  it('replaces the link when the provider vouches for the address under a new subject (a re-created user)', async () => {
    const email = uniqueEmail('recreated');
    const first = await me(
      await accessTokenFrom(
        (await signInWith('oidc', { sub: `kc-${uniqueSub()}`, email, email_verified: true })).callback,
      ),
    );
    const newSub = `kc-${uniqueSub()}`;
    const again = await signInWith('oidc', { sub: newSub, email, email_verified: true });
    expect(again.callback.headers.get('Location')).toBe(`${TEST_APP_URL}/dashboard`);
    expect((await me(await accessTokenFrom(again.callback))).id).toBe(first.id);
    const links = await env.DB.prepare(
      "SELECT provider_user_id FROM oauth_accounts WHERE user_id = ? AND provider = 'oidc'",
    )
      .bind(first.id)
      .all();
    expect(links.results).toEqual([{ provider_user_id: newSub }]);
  });

  it('starts no session for a first link that was in flight while an admin disabled the account', async () => {
    const client = await register();
    await env.DB.prepare('UPDATE users SET email_verified_at = ?, password_vouched = 1 WHERE id = ?')
      .bind(Date.now(), client.userId)
      .run();
    const flow = await startAndConsent('google', { sub: uniqueSub(), email: client.email, email_verified: true });
    const { held, racing } = await callbackHeldAtFirstBatch(flow);
    await env.DB.batch([
      env.DB.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').bind(Date.now(), client.userId),
      env.DB.prepare('UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').bind(
        Date.now(),
        client.userId,
      ),
    ]);
    held.release();
    expectLoginError(await racing, 'account_disabled');
    expect(await countRows('sessions', 'user_id = ? AND revoked_at IS NULL', client.userId)).toBe(0);
  });

  it('refuses a disabled account', async () => {
    const identity = { sub: uniqueSub(), email: uniqueEmail('g'), email_verified: true };
    const user = await me(await accessTokenFrom((await signInWith('google', identity)).callback));
    await env.DB.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').bind(Date.now(), user.id).run();
    expectLoginError((await signInWith('google', identity)).callback, 'account_disabled');
  });

  it('makes a verified address from ADMIN_EMAILS an admin, with an audit entry', async () => {
    const email = uniqueEmail('boss');
    const { callback } = await signInWith('google', { sub: uniqueSub(), email, email_verified: true }, '/', {
      ADMIN_EMAILS: email,
    });
    const user = await me(await accessTokenFrom(callback));
    expect(user.role).toBe('admin');
    expect(
      await countRows('audit_log', "user_id = ? AND action = 'admin.role_changed' AND actor_id IS NULL", user.id),
    ).toBe(1);
  });

  it('promotes an existing verified account from ADMIN_EMAILS at its next OAuth sign-in', async () => {
    const identity = { sub: uniqueSub(), email: uniqueEmail('later-boss'), email_verified: true };
    const before = await me(await accessTokenFrom((await signInWith('google', identity)).callback));
    expect(before.role).toBe('user');
    await signInWith('google', identity, '/', { ADMIN_EMAILS: identity.email });
    expect(await countRows('users', "id = ? AND role = 'admin'", before.id)).toBe(1);
    expect(await countRows('audit_log', "user_id = ? AND action = 'admin.role_changed'", before.id)).toBe(1);
  });

  it('keeps a provider name to one plain line', async () => {
    const email = uniqueEmail('g');
    const name = `Eve\n\nSECURITY ALERT:\u0007 https://evil.example/secure \u202E ${'x'.repeat(200)}`;
    const user = await me(
      await accessTokenFrom(
        (await signInWith('google', { sub: uniqueSub(), email, email_verified: true, name })).callback,
      ),
    );
    expect(user.name).toMatch(/^Eve SECURITY ALERT: https:\/\/evil\.example\/secure x+$/);
    expect([...user.name!].length).toBeLessThanOrEqual(100);
  });

  it('creates an unverified account (and sends our own verification email) when Google does not vouch', async () => {
    const email = uniqueEmail('g');
    const { callback } = await signInWith('google', { sub: uniqueSub(), email, email_verified: false });
    expect((await me(await accessTokenFrom(callback))).email_verified).toBe(false);
    expect(await countRows('email_outbox', "to_address = ? AND template = 'verify_email'", email)).toBe(1);
  });
});

describe('provider identities that did not vouch for the address (pre-account hijacking)', () => {
  const NEW_PASSWORD = 'saffron-lattice-orbit-77';

  /** Someone signs in through the OIDC provider with an address the provider did not verify. */
  async function plant(email: string) {
    const identity = { sub: `kc-${uniqueSub()}`, email, email_verified: false };
    const { callback } = await signInWith('oidc', identity);
    return {
      identity,
      cookie: cookieValue(callback, 'refresh_token')!,
      userId: (await me(await accessTokenFrom(callback))).id,
    };
  }

  async function linkedProviders(accessToken: string) {
    const response = await call('/api/me/accounts', { headers: bearer(accessToken) });
    return (await response.json<{ accounts: { provider: string }[] }>()).accounts.map((a) => a.provider);
  }

  it('a password reset by the mailbox owner removes the link and ends its sessions', async () => {
    const email = uniqueEmail('victim');
    const attacker = await plant(email);
    // The owner cannot register, so recovers the account through the mailbox.
    expect(
      (await postJson('/api/auth/register', { email, password: STRONG_PASSWORD }, { 'CF-Connecting-IP': uniqueIp() }))
        .status,
    ).toBe(409);
    expect((await postJson('/api/auth/password/forgot', { email }, { 'CF-Connecting-IP': uniqueIp() })).status).toBe(
      202,
    );
    const reset = await postJson('/api/auth/password/reset', {
      token: await tokenFromLatestEmail(email, 'password_reset'),
      password: NEW_PASSWORD,
    });
    expect(reset.status).toBe(200);

    expect((await refresh(attacker.cookie)).status).toBe(401);
    expectLoginError((await signInWith('oidc', attacker.identity)).callback, 'email_not_verified');
    const owner = await login(email, NEW_PASSWORD);
    const { access_token } = await owner.json<{ access_token: string }>();
    expect(await linkedProviders(access_token)).toEqual([]);
    const audit = await env.DB.prepare(
      "SELECT metadata FROM audit_log WHERE user_id = ? AND action = 'account.unvouched_credentials_removed'",
    )
      .bind(attacker.userId)
      .all<{ metadata: string }>();
    expect(audit.results.map((r) => JSON.parse(r.metadata))).toEqual([
      { providers: ['oidc'], password: false, proof: 'password_reset' },
    ]);
  });

  it("an email verification opened without that provider's session removes the link and ends its sessions", async () => {
    const email = uniqueEmail('victim');
    const attacker = await plant(email);
    const verified = await postJson('/api/auth/verify-email', {
      token: await tokenFromLatestEmail(email, 'verify_email'),
    });
    expect(verified.status).toBe(200);
    expect(await countRows('oauth_accounts', 'user_id = ?', attacker.userId)).toBe(0);
    expect((await refresh(attacker.cookie)).status).toBe(401);
    expectLoginError((await signInWith('oidc', attacker.identity)).callback, 'email_not_verified');
    expect(
      await countRows('audit_log', "user_id = ? AND action = 'account.unvouched_credentials_removed'", attacker.userId),
    ).toBe(1);
  });

  it('starts no session for a sign-in through the link that was in flight while the owner proved the address', async () => {
    const email = uniqueEmail('victim');
    const attacker = await plant(email);
    // The attacker's next callback has read the link and waits to write its session.
    const flow = await startAndConsent('oidc', attacker.identity);
    const { held, racing } = await callbackHeldAtFirstBatch(flow);
    expect(
      (await postJson('/api/auth/verify-email', { token: await tokenFromLatestEmail(email, 'verify_email') })).status,
    ).toBe(200);
    held.release();
    expectLoginError(await racing, 'email_not_verified');
    expect(await countRows('sessions', 'user_id = ? AND revoked_at IS NULL', attacker.userId)).toBe(0);
  });

  it('keeps the link when the verification is opened by a session that provider started (the same person)', async () => {
    const email = uniqueEmail('keycloak-user');
    const own = await plant(email);
    const refreshed = await refresh(own.cookie);
    const { access_token } = await refreshed.json<{ access_token: string }>();
    const verified = await call('/api/auth/verify-email', {
      method: 'POST',
      headers: { ...bearer(access_token), 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: await tokenFromLatestEmail(email, 'verify_email') }),
    });
    expect(verified.status).toBe(200);
    expect(
      await countRows('oauth_accounts', "user_id = ? AND provider = 'oidc' AND email_verified = 1", own.userId),
    ).toBe(1);
    expect(await linkedProviders(access_token)).toEqual(['oidc']);
    // Now vouched for: a later proof of the address keeps it, and the provider still signs in.
    expect((await me(await accessTokenFrom((await signInWith('oidc', own.identity)).callback))).id).toBe(own.userId);
  });

  it('answers 401 TOKEN_INVALID to a verification sent with the token of an ended session, spending nothing', async () => {
    const client = await register();
    await call('/api/auth/logout', { method: 'POST', headers: { Cookie: `refresh_token=${client.refreshToken}` } });
    const token = await tokenFromLatestEmail(client.email, 'verify_email');
    const response = await call('/api/auth/verify-email', {
      method: 'POST',
      headers: { ...bearer(client.accessToken), 'Content-Type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    await expectError(response, 401, 'TOKEN_INVALID');
    expect(
      await countRows('users', 'id = ? AND email_verified_at IS NULL AND password_hash IS NOT NULL', client.userId),
    ).toBe(1);
    expect((await login(client.email, STRONG_PASSWORD)).status).toBe(200);
  });

  it('answers 401 to a verification sent with a bad bearer token, spending nothing', async () => {
    const email = uniqueEmail('victim');
    const attacker = await plant(email);
    const token = await tokenFromLatestEmail(email, 'verify_email');
    const response = await call('/api/auth/verify-email', {
      method: 'POST',
      headers: { Authorization: 'Bearer not-a-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect(response.status).toBe(401);
    expect(await countRows('users', 'id = ? AND email_verified_at IS NULL', attacker.userId)).toBe(1);
    expect(await countRows('oauth_accounts', 'user_id = ?', attacker.userId)).toBe(1);
  });
});

describe('GitHub (fake with real response shapes)', () => {
  it('uses PKCE too, and the primary verified email from /user/emails', async () => {
    const email = uniqueEmail('gh');
    const { authorizationUrl, callback } = await signInWith('github', {
      sub: uniqueSub(),
      name: 'Octo Cat',
      emails: [
        { email: uniqueEmail('other'), primary: false, verified: true, visibility: null },
        { email, primary: true, verified: true, visibility: 'private' },
      ],
    });
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('scope')).toBe('read:user user:email');
    expect(await me(await accessTokenFrom(callback))).toMatchObject({ email, name: 'Octo Cat', email_verified: true });
  });

  it('refuses an account without a verified primary email', async () => {
    const email = uniqueEmail('gh');
    const { callback } = await signInWith('github', {
      sub: uniqueSub(),
      emails: [
        { email, primary: true, verified: false, visibility: null },
        { email: uniqueEmail('x'), primary: false, verified: true, visibility: null },
      ],
    });
    expectLoginError(callback, 'email_required');
    expect(await countRows('users', 'email = ?', email)).toBe(0);
  });

  it('redirects with code_exchange_failed when the code is bad', async () => {
    const flow = await startAndConsent('github', { sub: uniqueSub(), emails: [] });
    const path = flow.callbackPath.replace(/code=[^&]+/, 'code=forged');
    const callback = await oauthCall(path, { headers: { Cookie: `oauth_state=${flow.stateCookie}` } });
    expectLoginError(callback, 'code_exchange_failed');
  });
});

describe('state, replay and redirect checks', () => {
  const identity = () => ({ sub: uniqueSub(), email: uniqueEmail('s'), email_verified: true });

  it('sends a malformed callback (a code over 2,048 characters) to APP_URL/login?error=invalid_request, clearing the state cookie', async () => {
    const flow = await startAndConsent('google', identity());
    const path = flow.callbackPath.replace(/code=[^&]+/, `code=${'c'.repeat(2049)}`);
    const response = await oauthCall(path, { headers: { Cookie: `oauth_state=${flow.stateCookie}` } });
    expectLoginError(response, 'invalid_request');
    expect(response.headers.get('Set-Cookie')).toMatch(/oauth_state=;.*Max-Age=0/);
    expect(cookieValue(response, 'refresh_token')).toBeNull();
  });

  it("answers 400 OAUTH_STATE_MISMATCH for a wrong state, a missing cookie, another provider's cookie or a missing verifier", async () => {
    const flow = await startAndConsent('google', identity());
    const cookie = { Cookie: `oauth_state=${flow.stateCookie}` };
    const decoded = JSON.parse(Buffer.from(flow.stateCookie, 'base64url').toString());
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const attempts: [string, RequestInit | undefined][] = [
      [flow.callbackPath.replace(/state=[^&]+/, 'state=attacker-state-value'), { headers: cookie }],
      [flow.callbackPath, undefined],
      [flow.callbackPath.replace('/google/', '/github/'), { headers: cookie }],
      [flow.callbackPath, { headers: { Cookie: `oauth_state=${encode({ ...decoded, verifier: undefined })}` } }],
      [flow.callbackPath, { headers: { Cookie: 'oauth_state=not-base64-json' } }],
    ];
    for (const [path, init] of attempts) {
      const response = await oauthCall(path, init);
      await expectError(response, 400, 'OAUTH_STATE_MISMATCH');
      expect(cookieValue(response, 'refresh_token')).toBeNull();
    }
    // Nothing was used up: the genuine callback still works.
    expect((await oauthCall(flow.callbackPath, { headers: cookie })).headers.get('Location')).toBe(
      `${TEST_APP_URL}/dashboard`,
    );
  });

  it('makes the state single use, even when a client replays the cookie', async () => {
    const flow = await startAndConsent('google', identity());
    const init = { headers: { Cookie: `oauth_state=${flow.stateCookie}` } };
    expect((await oauthCall(flow.callbackPath, init)).status).toBe(302);
    const replay = await oauthCall(flow.callbackPath, init);
    await expectError(replay, 400, 'OAUTH_STATE_MISMATCH');
  });

  it('refuses a state older than 10 minutes', async () => {
    const flow = await startAndConsent('google', identity());
    advanceClock(601_000);
    const response = await oauthCall(flow.callbackPath, { headers: { Cookie: `oauth_state=${flow.stateCookie}` } });
    await expectError(response, 400, 'OAUTH_STATE_MISMATCH');
  });

  it('sends provider errors to APP_URL/login?error=..., in a safe shape', async () => {
    const flow = await startAndConsent('google', identity());
    const cookie = { headers: { Cookie: `oauth_state=${flow.stateCookie}` } };
    expectLoginError(
      await oauthCall('/api/auth/oauth/google/callback?error=access_denied&state=x', cookie),
      'access_denied',
    );
    expectLoginError(
      await oauthCall(`/api/auth/oauth/google/callback?error=${encodeURIComponent('<script>')}`, cookie),
      'oauth_failed',
    );
  });

  it.each([
    '//evil.example',
    'https://evil.example',
    'http:evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '/%2F%2Fevil.example',
    '/%5Cevil.example',
    '/%252F%252Fevil.example',
    '%2F%2Fevil.example',
    'javascript:alert(1)',
    '/ok\r\nSet-Cookie: x=y',
    'dashboard',
    '/..//evil.example',
    '/a/../..//evil.example',
    '/./..//evil.example',
    '/%2e%2e//evil.example',
    '/../%2F%2Fevil.example',
    '///',
    '//',
    'http://',
    '/%2F%2F',
    '/\\/',
    '//:',
    '/%0a%09/:evil.com',
  ])('refuses redirect_to=%s with 400 REDIRECT_NOT_ALLOWED and sets no cookie', async (redirectTo) => {
    const response = await oauthCall(`/api/auth/oauth/google?redirect_to=${encodeURIComponent(redirectTo)}`);
    await expectError(response, 400, 'REDIRECT_NOT_ALLOWED');
    expect(response.headers.get('Set-Cookie')).toBeNull();
  });

  it('keeps a relative path with its query and fragment', async () => {
    const { callback } = await signInWith('google', identity(), '/billing?plan=pro#top');
    expect(callback.headers.get('Location')).toBe(`${TEST_APP_URL}/billing?plan=pro#top`);
  });

  it('lists only the configured providers (GET /api/auth/providers), for the sign-in page', async () => {
    const none = await call('/api/auth/providers');
    expect(none.status).toBe(200);
    expect(await none.json()).toEqual({ providers: [] });
    const all = await oauthCall('/api/auth/providers');
    expect(await all.json()).toEqual({ providers: ['google', 'github', 'oidc'] });
    const withoutGoogle = await oauthCall('/api/auth/providers', undefined, {
      GOOGLE_CLIENT_ID: undefined,
      GOOGLE_CLIENT_SECRET: undefined,
    });
    expect(await withoutGoogle.json()).toEqual({ providers: ['github', 'oidc'] });
  });

  it('answers 404 PROVIDER_NOT_CONFIGURED for providers without settings and unknown ones', async () => {
    for (const path of [
      '/api/auth/oauth/google',
      '/api/auth/oauth/github/callback?code=x&state=y',
      '/api/auth/oauth/oidc',
    ]) {
      const response = await call(path);
      await expectError(response, 404, 'PROVIDER_NOT_CONFIGURED');
    }
    await expectError(await oauthCall('/api/auth/oauth/facebook'), 404, 'PROVIDER_NOT_CONFIGURED');
  });
});

describe('linked accounts', () => {
  it('refuses to unlink the last way to sign in (409), allows it once a password exists', async () => {
    const { callback } = await signInWith('github', {
      sub: uniqueSub(),
      emails: [{ email: uniqueEmail('gh'), primary: true, verified: true, visibility: null }],
    });
    const accessToken = await accessTokenFrom(callback);
    const last = await oauthCall('/api/me/accounts/github', { method: 'DELETE', headers: bearer(accessToken) });
    await expectError(last, 409, 'LAST_SIGN_IN_METHOD');
    const notLinked = await oauthCall('/api/me/accounts/google', { method: 'DELETE', headers: bearer(accessToken) });
    expect(notLinked.status).toBe(404);
    await expectError(
      await oauthCall('/api/me/accounts/facebook', { method: 'DELETE', headers: bearer(accessToken) }),
      404,
      'NOT_FOUND',
    );
  });

  it('unlinks a provider from an account that has a password', async () => {
    const client = await register();
    await env.DB.prepare('UPDATE users SET email_verified_at = ?, password_vouched = 1 WHERE id = ?')
      .bind(Date.now(), client.userId)
      .run();
    await signInWith('google', { sub: uniqueSub(), email: client.email, email_verified: true });
    const response = await oauthCall('/api/me/accounts/google', {
      method: 'DELETE',
      headers: bearer(client.accessToken),
    });
    expect(response.status).toBe(204);
    expect(await countRows('oauth_accounts', 'user_id = ?', client.userId)).toBe(0);
    expect(await countRows('audit_log', "user_id = ? AND action = 'oauth.unlinked'", client.userId)).toBe(1);
  });

  it('requires a live session', async () => {
    expect((await oauthCall('/api/me/accounts')).status).toBe(401);
  });
});
