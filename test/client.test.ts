// @liftoff/client inside workerd, against the real Worker: it runs in Workers as it does in browsers
// and Node (a server-side caller has no cookie jar: refreshing needs a fetch that keeps cookies).
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createLiftoffClient, isLiftoffError } from '../client/src/index';
import { STRONG_PASSWORD, uniqueEmail, uniqueIp } from './support/auth';
import { TEST_API_URL } from './support/settings';

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
});
