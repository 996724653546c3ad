// Passkeys through the real Worker, with a software authenticator (test/support/passkey-authenticator.ts):
// registering, signing in without a password, as a sign-in's second step and for a step-up; replayed,
// cloned (counter), foreign and unverified assertions refused; the last way to sign in kept.
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countRows, login, STRONG_PASSWORD, uniqueIp, type SignedInClient } from './support/auth';
import { advanceClock } from './support/clock';
import { expectError, postJson } from './support/http';
import { emailsTo } from './support/mailbox';
import { softwarePasskey, type SoftwarePasskey } from './support/passkey-authenticator';
import { TEST_APP_URL } from './support/settings';
import { claimsOf, jsonCall, mfaTokenFor, verify, registerVerified } from './support/two-factor';

afterEach(() => vi.useRealTimers());

async function addPasskey(client: SignedInClient, name?: string): Promise<SoftwarePasskey> {
  const authenticator = await softwarePasskey(TEST_APP_URL);
  const options = await jsonCall('POST', '/api/me/passkeys/options', client.accessToken);
  expect(options.status).toBe(200);
  const creation = await options.json<{
    challenge: string;
    rp: { id: string; name: string };
    user: { name: string };
  }>();
  expect(creation.rp).toEqual({ id: 'app.test', name: 'Liftoff' });
  const response = await authenticator.register(creation);
  const added = await jsonCall('POST', '/api/me/passkeys', client.accessToken, { response, ...(name ? { name } : {}) });
  expect(added.status).toBe(201);
  return authenticator;
}

/** A passwordless sign-in: options, then the assertion. */
async function passkeySignIn(authenticator: SoftwarePasskey) {
  const options = await postJson('/api/auth/passkeys/options', {});
  expect(options.status).toBe(200);
  const request = await options.json<{ challenge: string; userVerification: string; allowCredentials: unknown[] }>();
  expect(request.userVerification).toBe('required');
  expect(request.allowCredentials).toEqual([]);
  authenticator.counter += 1;
  return postJson('/api/auth/passkeys/verify', { response: await authenticator.assert(request) });
}

describe('passkeys', () => {
  it('registers a passkey (emailed, audited) and signs in with it without a password, as aal2', async () => {
    const client = await registerVerified();
    const authenticator = await addPasskey(client, 'My laptop');
    const list = await jsonCall('GET', '/api/me/passkeys', client.accessToken);
    const { passkeys } = await list.json<{ passkeys: { id: string; name: string; last_used_at: null }[] }>();
    expect(passkeys).toMatchObject([{ id: authenticator.id, name: 'My laptop', last_used_at: null }]);
    expect((await emailsTo(client.email, 'second_factor_changed'))[0]?.subject).toBe('A passkey was added');
    expect(await countRows('audit_log', "user_id = ? AND action = 'passkey.added'", client.userId)).toBe(1);

    const signedIn = await passkeySignIn(authenticator);
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.get('Set-Cookie')).toMatch(/^refresh_token=/);
    const body = await signedIn.json<{ access_token: string; user: { id: string } }>();
    expect(body.user.id).toBe(client.userId);
    expect(claimsOf(body.access_token)).toMatchObject({ amr: ['hwk'], aal: 'aal2' });
    expect(await countRows('passkeys', 'id = ? AND counter = 1 AND last_used_at IS NOT NULL', authenticator.id)).toBe(
      1,
    );
  });

  it('refuses a replayed assertion, a cloned authenticator (counter), no user verification, and unknown passkeys', async () => {
    const client = await registerVerified();
    const authenticator = await addPasskey(client);
    const options = await (await postJson('/api/auth/passkeys/options', {})).json<{ challenge: string }>();
    authenticator.counter = 5;
    const assertion = await authenticator.assert(options);
    expect((await postJson('/api/auth/passkeys/verify', { response: assertion })).status).toBe(200);
    // The same assertion again: its challenge is used up.
    await expectError(
      await postJson('/api/auth/passkeys/verify', { response: assertion }),
      401,
      'SECOND_FACTOR_INVALID',
    );
    // A clone still at counter 5 (the real one moved on): refused, and recorded.
    const again = await (await postJson('/api/auth/passkeys/options', {})).json<{ challenge: string }>();
    await expectError(
      await postJson('/api/auth/passkeys/verify', { response: await authenticator.assert(again) }),
      401,
      'SECOND_FACTOR_INVALID',
    );
    expect(await countRows('audit_log', "user_id = ? AND action = 'passkey.counter_mismatch'", client.userId)).toBe(1);
    // The same old counter under a signature that is not the passkey's: refused, and no alert (anyone could forge it).
    const forgedOptions = await (await postJson('/api/auth/passkeys/options', {})).json<{ challenge: string }>();
    const forged = (await authenticator.assert(forgedOptions)) as { response: { signature: string } };
    const impostor = await softwarePasskey(TEST_APP_URL);
    impostor.counter = authenticator.counter;
    forged.response.signature = (
      (await impostor.assert(forgedOptions)) as { response: { signature: string } }
    ).response.signature;
    await expectError(await postJson('/api/auth/passkeys/verify', { response: forged }), 401, 'SECOND_FACTOR_INVALID');
    expect(await countRows('audit_log', "user_id = ? AND action = 'passkey.counter_mismatch'", client.userId)).toBe(1);
    // No user verification: not enough for a passwordless sign-in.
    authenticator.userVerified = false;
    authenticator.counter = 9;
    const unverified = await (await postJson('/api/auth/passkeys/options', {})).json<{ challenge: string }>();
    await expectError(
      await postJson('/api/auth/passkeys/verify', { response: await authenticator.assert(unverified) }),
      401,
      'SECOND_FACTOR_INVALID',
    );
    // A passkey this site never registered.
    const stranger = await softwarePasskey(TEST_APP_URL);
    const fresh = await (await postJson('/api/auth/passkeys/options', {})).json<{ challenge: string }>();
    await expectError(
      await postJson('/api/auth/passkeys/verify', { response: await stranger.assert(fresh) }),
      401,
      'SECOND_FACTOR_INVALID',
    );
    // Another site's origin.
    const phishing = await softwarePasskey('http://app.test.evil.example', 'app.test');
    const challenge = await (await postJson('/api/auth/passkeys/options', {})).json<{ challenge: string }>();
    await expectError(
      await postJson('/api/auth/passkeys/verify', { response: await phishing.assert(challenge) }),
      401,
      'SECOND_FACTOR_INVALID',
    );
    expect(await countRows('sessions', 'user_id = ?', client.userId)).toBe(2); // sign-up and the one good sign-in
  });

  it('one assertion signs in once, however many parallel requests carry it', async () => {
    const client = await registerVerified();
    const authenticator = await addPasskey(client);
    const options = await (await postJson('/api/auth/passkeys/options', {})).json<{ challenge: string }>();
    authenticator.counter = 1;
    const response = await authenticator.assert(options);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => postJson('/api/auth/passkeys/verify', { response })),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401, 401, 401, 401, 401]);
  });

  it('is a second factor after a password: login asks for it, and the passkey completes the sign-in', async () => {
    const client = await registerVerified();
    const authenticator = await addPasskey(client);
    const first = await login(client.email, STRONG_PASSWORD);
    const { mfa_token, methods } = await first.json<{ mfa_token: string; methods: string[] }>();
    expect(methods).toEqual(['passkey']);
    const options = await postJson('/api/auth/2fa/passkey-options', { mfa_token });
    const request = await options.json<{ challenge: string; allowCredentials: { id: string }[] }>();
    expect(request.allowCredentials.map((c) => c.id)).toEqual([authenticator.id]);
    // Another user's passkey does not complete this user's sign-in.
    const other = await registerVerified();
    const otherKey = await addPasskey(other);
    await expectError(
      await verify({ mfa_token, passkey: await otherKey.assert(request) }),
      401,
      'SECOND_FACTOR_INVALID',
    );
    const again = await (await postJson('/api/auth/2fa/passkey-options', { mfa_token })).json<{ challenge: string }>();
    authenticator.counter += 1;
    const verified = await verify({ mfa_token, passkey: await authenticator.assert(again) });
    expect(verified.status).toBe(200);
    expect(claimsOf((await verified.json<{ access_token: string }>()).access_token)).toMatchObject({
      amr: ['pwd', 'hwk'],
      aal: 'aal2',
    });
    // A challenge for a sign-in's second step is not one for a passwordless sign-in.
    const secondStep = await (
      await postJson('/api/auth/2fa/passkey-options', { mfa_token: await mfaTokenFor(client.email) })
    ).json<{ challenge: string }>();
    authenticator.counter += 1;
    await expectError(
      await postJson('/api/auth/passkeys/verify', { response: await authenticator.assert(secondStep) }),
      401,
      'SECOND_FACTOR_INVALID',
    );
  });

  it('a password-only session of an account with a passkey cannot reach aal2 by setting up its own app', async () => {
    const client = await registerVerified();
    await addPasskey(client);
    await expectError(await jsonCall('POST', '/api/me/2fa/totp', client.accessToken, {}), 403, 'STEP_UP_REQUIRED');
    await expectError(
      await jsonCall('POST', '/api/me/2fa/totp/confirm', client.accessToken, { code: '123456' }),
      403,
      'STEP_UP_REQUIRED',
    );
    expect(await countRows('totp_factors', 'user_id = ?', client.userId)).toBe(0);
  });

  it('bounds the challenges a user can make', async () => {
    const client = await registerVerified();
    await addPasskey(client);
    const ip = uniqueIp();
    const answers = await Promise.all(
      Array.from({ length: 32 }, () =>
        jsonCall('POST', '/api/auth/step-up/passkey-options', client.accessToken, undefined, ip),
      ),
    );
    // 30 per account in 10 minutes, exactly, in parallel too (adding the passkey counted one).
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(29);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(3);
    expect(await countRows('webauthn_challenges', "user_id = ? AND purpose = 'step_up'", client.userId)).toBe(29);
  });

  it('steps a session up, and needs a recent factor (and the second factor) to add one', async () => {
    const client = await registerVerified();
    const authenticator = await addPasskey(client);
    // An older session of the same account (from before the passkey): aal1.
    advanceClock(11 * 60_000);
    const refreshed = await postJson('/api/auth/refresh', {}, { Cookie: `refresh_token=${client.refreshToken}` });
    const stale = (await refreshed.json<{ access_token: string }>()).access_token;
    await expectError(await jsonCall('POST', '/api/me/passkeys/options', stale), 403, 'STEP_UP_REQUIRED');
    const options = await jsonCall('POST', '/api/auth/step-up/passkey-options', stale);
    authenticator.counter += 1;
    const steppedUp = await jsonCall('POST', '/api/auth/step-up', stale, {
      passkey: await authenticator.assert(await options.json<{ challenge: string }>()),
    });
    expect(steppedUp.status).toBe(200);
    const token = (await steppedUp.json<{ access_token: string }>()).access_token;
    expect(claimsOf(token)).toMatchObject({ amr: ['pwd', 'hwk'], aal: 'aal2' });
    expect((await jsonCall('POST', '/api/me/passkeys/options', token)).status).toBe(200);
  });

  it('renames and removes passkeys, never the last way to sign in, and goes passwordless only with one', async () => {
    const client = await registerVerified();
    await expectError(
      await jsonCall('DELETE', '/api/me/password', client.accessToken, { current_password: STRONG_PASSWORD }),
      409,
      'LAST_SIGN_IN_METHOD',
    );
    const first = await addPasskey(client);
    // The account has a second factor now: the password-only session may not add another passkey.
    await expectError(await jsonCall('POST', '/api/me/passkeys/options', client.accessToken), 403, 'STEP_UP_REQUIRED');
    const signedIn = await passkeySignIn(first);
    const aal2 = (await signedIn.json<{ access_token: string }>()).access_token;
    const second = await addPasskey({ ...client, accessToken: aal2 });
    const renamed = await jsonCall('PATCH', `/api/me/passkeys/${first.id}`, client.accessToken, { name: 'Phone' });
    expect(await renamed.json()).toMatchObject({ id: first.id, name: 'Phone' });
    const stranger = await registerVerified();
    await expectError(
      await jsonCall('PATCH', `/api/me/passkeys/${first.id}`, stranger.accessToken, { name: 'Mine' }),
      404,
      'NOT_FOUND',
    );
    await expectError(await jsonCall('DELETE', `/api/me/passkeys/${first.id}`, stranger.accessToken), 404, 'NOT_FOUND');
    // The password goes (a passkey remains): sign in with a passkey only from now on.
    expect((await jsonCall('DELETE', '/api/me/password', aal2, { current_password: STRONG_PASSWORD })).status).toBe(
      204,
    );
    await expectError(await login(client.email, STRONG_PASSWORD), 401, 'INVALID_CREDENTIALS');
    expect((await emailsTo(client.email, 'second_factor_changed'))[0]?.subject).toBe('Your password was removed');
    // Two passkeys, no password: removing both in parallel leaves one.
    const answers = await Promise.all(
      [first.id, second.id].map((id) => jsonCall('DELETE', `/api/me/passkeys/${id}`, aal2)),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([204, 409]);
    expect(await countRows('passkeys', 'user_id = ?', client.userId)).toBe(1);
  });

  it('refuses options for a bad mfa_token or an account without a passkey, a wrong password, and a bad name, changing nothing', async () => {
    await expectError(
      await postJson('/api/auth/2fa/passkey-options', { mfa_token: 'not-a-token' }),
      401,
      'MFA_TOKEN_INVALID',
    );
    const client = await registerVerified();
    const authenticator = await addPasskey(client);
    const aal2 = (await (await passkeySignIn(authenticator)).json<{ access_token: string }>()).access_token;
    await expectError(
      await jsonCall('DELETE', '/api/me/password', aal2, { current_password: 'not-the-password-1' }),
      401,
      'INVALID_CREDENTIALS',
    );
    expect(await countRows('users', 'id = ? AND password_hash IS NOT NULL', client.userId)).toBe(1);
    await expectError(
      await jsonCall('PATCH', `/api/me/passkeys/${authenticator.id}`, client.accessToken, { name: '   ' }),
      400,
      'VALIDATION_ERROR',
    );
    expect(await countRows('passkeys', "id = ? AND name != '   '", authenticator.id)).toBe(1);
    // An account whose only passkey went (an admin's reset) has none to ask for.
    const other = await registerVerified();
    const challengesBefore = await countRows('webauthn_challenges', 'user_id = ?', other.userId);
    await expectError(
      await jsonCall('POST', '/api/auth/step-up/passkey-options', other.accessToken),
      401,
      'SECOND_FACTOR_INVALID',
    );
    expect(await countRows('webauthn_challenges', 'user_id = ?', other.userId)).toBe(challengesBefore);
  });

  it('validates what the browser sent', async () => {
    const client = await registerVerified();
    for (const response of [{}, { id: 'x', rawId: 'x', type: 'public-key', response: {} }, 'nope']) {
      await expectError(
        await jsonCall('POST', '/api/me/passkeys', client.accessToken, { response }),
        400,
        'VALIDATION_ERROR',
      );
    }
    await expectError(await postJson('/api/auth/passkeys/verify', { response: { id: '!!' } }), 400, 'VALIDATION_ERROR');
    // A well-formed answer to a challenge never issued.
    const authenticator = await softwarePasskey(TEST_APP_URL);
    const forged = await authenticator.register({ challenge: 'bm90LWlzc3VlZA' });
    await expectError(
      await jsonCall('POST', '/api/me/passkeys', client.accessToken, { response: forged }),
      401,
      'SECOND_FACTOR_INVALID',
    );
    expect(await countRows('passkeys', 'user_id = ?', client.userId)).toBe(0);
    expect(env).toBeDefined();
  });
});
