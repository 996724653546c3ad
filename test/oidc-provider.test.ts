// The generic OpenID Connect sign-in against panva's certified oidc-provider
// (test/support/fakes/oidc-provider.ts, driven by test/support/oidc-provider.ts).
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bearer, countRows, refresh, uniqueEmail } from './support/auth';
import { call, cookieValue } from './support/http';
import { uniqueSub } from './support/oauth';
import {
  finishOidcProviderSignIn,
  moveOidcProviderTokenEndpoint,
  OIDCP_CLIENTS,
  OIDCP_ID_TOKEN_ALGS,
  OIDCP_SPECIAL_SECRET,
  oidcProviderCall,
  oidcProviderRequests,
  oidcProviderSettings,
  rotateOidcProviderKeys,
  signInWithOidcProvider,
  startOwnOidcProvider,
} from './support/oidc-provider';
import { TEST_APP_URL } from './support/settings';

describe('oidc-provider (harness smoke test)', () => {
  it('signs a new user up when the ID token carries the email (conformIdTokenClaims off)', async () => {
    const email = uniqueEmail('oidcp');
    const flow = await signInWithOidcProvider({
      issuer: env.TEST_OIDCP_CLAIMS_ISSUER,
      client: 'basic',
      account: { sub: `op-${uniqueSub()}`, email, email_verified: true, name: 'Open Provider' },
      redirectTo: '/welcome',
    });
    const params = flow.authorizationUrl.searchParams;
    expect(flow.authorizationUrl.href.startsWith(`${env.TEST_OIDCP_CLAIMS_ISSUER}/auth?`)).toBe(true);
    expect(params.get('client_id')).toBe(OIDCP_CLIENTS.basic.client_id);
    expect(params.get('code_challenge_method')).toBe('S256');
    // The provider's answer: a code, the state, and its issuer (RFC 9207).
    expect(flow.callbackUrl.searchParams.get('code')).toBeTruthy();
    expect(flow.callbackUrl.searchParams.get('state')).toBe(params.get('state'));
    expect(flow.callbackUrl.searchParams.get('iss')).toBe(env.TEST_OIDCP_CLAIMS_ISSUER);

    const callback = await finishOidcProviderSignIn(flow);
    expect(callback.status).toBe(302);
    expect(callback.headers.get('Location')).toBe(`${TEST_APP_URL}/welcome`);
    const refreshToken = cookieValue(callback, 'refresh_token');
    expect(refreshToken).toBeTruthy();
    const refreshed = await refresh(refreshToken!);
    expect(refreshed.status).toBe(200);
    const { access_token } = await refreshed.json<{ access_token: string }>();
    const me = await (await call('/api/me', { headers: bearer(access_token) })).json<{ id: string }>();
    expect(me).toMatchObject({ email, name: 'Open Provider', email_verified: true });
    expect(await countRows('oauth_accounts', "provider = 'oidc' AND user_id = ?", me.id)).toBe(1);
  });
});

/** Signs `account` in through the provider and Liftoff's callback; the callback's answer. */
async function signIn(options: Parameters<typeof signInWithOidcProvider>[0]) {
  return finishOidcProviderSignIn(await signInWithOidcProvider(options), { extra: options.extra });
}

function expectSignedIn(callback: Response, redirectTo = '/dashboard') {
  expect(callback.status).toBe(302);
  expect(callback.headers.get('Location')).toBe(`${TEST_APP_URL}${redirectTo}`);
  expect(cookieValue(callback, 'refresh_token')).toBeTruthy();
}

async function meAfter(callback: Response) {
  const refreshed = await refresh(cookieValue(callback, 'refresh_token')!);
  const { access_token } = await refreshed.json<{ access_token: string }>();
  return (await call('/api/me', { headers: bearer(access_token) })).json<{ id: string; email: string }>();
}

const account = (email = uniqueEmail('oidcp')) => ({
  sub: `op-${uniqueSub()}`,
  email,
  email_verified: true,
  name: 'Open Provider',
});

describe('generic OIDC against a strict provider (issue 20)', () => {
  afterEach(() => vi.useRealTimers());

  it('reads the email claims from userinfo when the ID token leaves them out (the provider default)', async () => {
    const { email } = account();
    const callback = await signIn({ account: { ...account(), email } });
    expectSignedIn(callback);
    expect(await meAfter(callback)).toMatchObject({ email, email_verified: true, name: 'Open Provider' });
    const requests = await oidcProviderRequests(env.TEST_OIDCP_ISSUER);
    expect(requests.some((r) => r.path === '/me' && r.authorization === 'bearer')).toBe(true);
  });

  it('authenticates with client_secret_post where discovery offers only that, or OIDC_TOKEN_AUTH_METHOD says so', async () => {
    const postOnly = await startOwnOidcProvider({ authMethods: ['client_secret_post'] });
    expectSignedIn(await signIn({ issuer: postOnly, client: 'post', account: account() }));
    // The shared provider offers both (so Basic is chosen); this client refuses Basic.
    const refused = await signIn({ client: 'post', account: account() });
    expect(refused.headers.get('Location')).toBe(`${TEST_APP_URL}/login?error=code_exchange_failed`);
    const forced = await signIn({
      client: 'post',
      account: account(),
      extra: { OIDC_TOKEN_AUTH_METHOD: 'client_secret_post' },
    });
    expectSignedIn(forced);
  });

  it('form-encodes a client secret with + / = % for Basic (RFC 6749 §2.3.1)', async () => {
    expect(OIDCP_SPECIAL_SECRET).toMatch(/[+/=%]/);
    expectSignedIn(await signIn({ client: 'special-secret', account: account() }));
  });

  it('follows a token endpoint that moved: discovery is asked again after the failed exchange', async () => {
    const issuer = await startOwnOidcProvider();
    expectSignedIn(await signIn({ issuer, account: account() }));
    await moveOidcProviderTokenEndpoint(issuer);
    // Past the cooldown that keeps failures from forcing a discovery fetch per request.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31_000);
    expectSignedIn(await signIn({ issuer, account: account() }));
  });

  it('accepts an ID token signed by a key rotated in while the JWKS cache is cooling down', async () => {
    const issuer = await startOwnOidcProvider();
    expectSignedIn(await signIn({ issuer, account: account() }));
    const jwksFetches = async () => (await oidcProviderRequests(issuer)).filter((r) => r.path === '/jwks').length;
    const before = await jwksFetches();
    await rotateOidcProviderKeys(issuer);
    expectSignedIn(await signIn({ issuer, account: account() }));
    // One fetch for the new kid; another rotation within 5 s is not fetched for (tokens with made-up
    // kids cannot make us fetch per request): that sign-in is refused until the interval has passed.
    expect(await jwksFetches()).toBe(before + 1);
    await rotateOidcProviderKeys(issuer);
    const tooSoon = await signIn({ issuer, account: account() });
    expect(tooSoon.headers.get('Location')).toBe(`${TEST_APP_URL}/login?error=identity_rejected`);
    expect(await jwksFetches()).toBe(before + 1);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 5_000);
    expectSignedIn(await signIn({ issuer, account: account() }));
    expect(await jwksFetches()).toBe(before + 2);
  });

  it('matches the issuer exactly: a trailing slash on one side only is provider_unavailable', async () => {
    const slash = env.TEST_OIDCP_SLASH_ISSUER;
    expect(slash.endsWith('/')).toBe(true);
    expectSignedIn(await signIn({ issuer: slash, account: account() }));
    const start = await oidcProviderCall(
      oidcProviderSettings('basic', slash.replace(/\/$/, '')),
      '/api/auth/oauth/oidc?redirect_to=/dashboard',
    );
    expect(start.headers.get('Location')).toBe(`${TEST_APP_URL}/login?error=provider_unavailable`);
  });

  it('refuses a forged or missing iss (RFC 9207) like a state mismatch', async () => {
    for (const iss of ['https://evil.example', null]) {
      const flow = await signInWithOidcProvider({ account: account() });
      const callback = await finishOidcProviderSignIn(flow, { iss });
      expect(callback.status).toBe(400);
      expect(await callback.json()).toMatchObject({ code: 'OAUTH_STATE_MISMATCH' });
      expect(cookieValue(callback, 'refresh_token')).toBeNull();
    }
  });

  it.each(OIDCP_ID_TOKEN_ALGS)('accepts an ID token signed with %s', async (alg) => {
    expectSignedIn(await signIn({ client: `alg:${alg}`, account: account() }));
  });

  it('uses a pushed authorization request where the provider requires one', async () => {
    const flow = await signInWithOidcProvider({ issuer: env.TEST_OIDCP_PAR_ISSUER, account: account() });
    const params = flow.authorizationUrl.searchParams;
    expect(params.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(params.get('code_challenge')).toBeNull();
    expectSignedIn(await finishOidcProviderSignIn(flow));
  });
});
