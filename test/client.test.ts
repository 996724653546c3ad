// @liftoff/client inside workerd, against the real Worker: it runs in Workers as it does in browsers
// and Node (a server-side caller has no cookie jar: refreshing needs a fetch that keeps cookies).
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  createLiftoffClient,
  isLiftoffError,
  isSecondFactorRequired,
  type SecondFactorRequired,
} from '../client/src/index';
import { STRONG_PASSWORD, uniqueEmail, uniqueIp } from './support/auth';
import { TEST_API_URL } from './support/settings';
import { authenticatorFor, claimsOf, markVerified } from './support/two-factor';

function client() {
  const ip = uniqueIp();
  return createLiftoffClient({
    baseUrl: TEST_API_URL,
    coordinateTabs: false,
    fetch: (input, init) => {
      const request = new Request(input, init);
      request.headers.set('CF-Connecting-IP', ip);
      return exports.default.fetch(request);
    },
  });
}

describe('@liftoff/client in a Worker', () => {
  it('signs up, reads and changes the account, and throws typed errors', async () => {
    const liftoff = client();
    const email = uniqueEmail('client');
    const user = await liftoff.auth.signUp({ email, password: STRONG_PASSWORD });
    expect(user.email).toBe(email);
    expect(liftoff.auth.state.signedIn).toBe(true);

    const { data: me } = await liftoff.api.GET('/api/me');
    expect(me).toMatchObject({ email, subscription: { status: 'none' } });
    const { data: renamed } = await liftoff.api.PATCH('/api/me', { body: { name: 'Ada' } });
    expect(renamed?.name).toBe('Ada');

    const wrong = await liftoff.api
      .POST('/api/auth/password/change', {
        body: { current_password: 'not-it-at-all', new_password: 'another-mauve-orbit-7' },
      })
      .catch((error: unknown) => error);
    expect(isLiftoffError(wrong, 'INVALID_CREDENTIALS')).toBe(true);
    expect(wrong).toMatchObject({ status: 401, requestId: expect.any(String) });
    expect(liftoff.auth.state.signedIn).toBe(true);

    const taken = await client()
      .auth.signUp({ email, password: STRONG_PASSWORD })
      .catch((error: unknown) => error);
    expect(isLiftoffError(taken, 'EMAIL_TAKEN')).toBe(true);
  });

  it('sets up an authenticator app, signs in in two steps, and steps up after STEP_UP_REQUIRED', async () => {
    const liftoff = client();
    const email = uniqueEmail('client-2fa');
    const { id } = await liftoff.auth.signUp({ email, password: STRONG_PASSWORD });
    await markVerified(id);
    const early = client(); // signed in before the app is set up
    await early.auth.signIn({ email, password: STRONG_PASSWORD });
    const { secret, otpauthUri } = await liftoff.twoFactor.startTotp();
    expect(otpauthUri).toContain(secret);
    const app = authenticatorFor(secret);
    const recoveryCodes = await liftoff.twoFactor.confirmTotp(await app.code());
    expect(recoveryCodes).toHaveLength(10);
    expect(claimsOf((await liftoff.auth.getAccessToken())!).aal).toBe('aal2');
    expect(await liftoff.twoFactor.status()).toMatchObject({ totp: { enabled: true }, recovery_codes_left: 10 });

    // Another device: the password is not enough.
    const other = client();
    const pending = await other.auth.signIn({ email, password: STRONG_PASSWORD }).catch((error: unknown) => error);
    expect(isSecondFactorRequired(pending)).toBe(true);
    const step = pending as SecondFactorRequired;
    expect(step.methods).toEqual(['totp', 'recovery_code']);
    expect(other.auth.state.signedIn).toBe(false);
    const wrongCode = await step.verify({ code: '000000' }).catch((error: unknown) => error);
    expect(isLiftoffError(wrongCode, 'SECOND_FACTOR_INVALID')).toBe(true);
    const user = await step.verify({ recoveryCode: recoveryCodes[0]! });
    expect(user.email).toBe(email);
    expect(other.auth.state.signedIn).toBe(true);
    expect(await other.twoFactor.status()).toMatchObject({ recovery_codes_left: 9 });

    const change = () =>
      early.api.POST('/api/auth/password/change', {
        body: { current_password: STRONG_PASSWORD, new_password: STRONG_PASSWORD },
      });
    expect(isLiftoffError(await change().catch((error: unknown) => error), 'STEP_UP_REQUIRED')).toBe(true);
    await early.twoFactor.stepUp({ code: await app.code(1) });
    expect(claimsOf((await early.auth.getAccessToken())!)).toMatchObject({ amr: ['pwd', 'otp'], aal: 'aal2' });
    expect((await change()).data).toEqual({ ok: true });
  });
});
