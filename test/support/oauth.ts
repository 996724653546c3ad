// Driving an OAuth sign-in the way a browser does, against the local fakes started in global setup.
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import { FAKE_CLIENT_SECRET, type FakeIdentity } from './fakes/oauth-fakes';
import { callWithBindings, cookieValue } from './http';
import { TEST_API_URL } from './settings';

export const GOOGLE_CLIENT_ID = 'liftoff-test.apps.googleusercontent.com';

/** All three providers on, pointed at the fakes (Google keeps its real issuer string). */
export function oauthSettings(extra: Record<string, string> = {}) {
  return {
    GOOGLE_CLIENT_ID,
    GOOGLE_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    GOOGLE_AUTHORIZATION_URL: `${env.TEST_GOOGLE_FAKE_URL}/o/oauth2/v2/auth`,
    GOOGLE_TOKEN_URL: `${env.TEST_GOOGLE_FAKE_URL}/token`,
    GOOGLE_JWKS_URL: `${env.TEST_GOOGLE_FAKE_URL}/oauth2/v3/certs`,
    GITHUB_CLIENT_ID: 'liftoff-github-client',
    GITHUB_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    GITHUB_AUTHORIZATION_URL: `${env.TEST_GITHUB_FAKE_URL}/login/oauth/authorize`,
    GITHUB_TOKEN_URL: `${env.TEST_GITHUB_FAKE_URL}/login/oauth/access_token`,
    GITHUB_API_URL: env.TEST_GITHUB_FAKE_URL,
    OIDC_ISSUER: env.TEST_OIDC_ISSUER,
    OIDC_CLIENT_ID: 'liftoff-oidc-client',
    OIDC_CLIENT_SECRET: 'oidc-secret',
    ...extra,
  };
}

/** `extra` may replace settings or bindings (a wrapped DB, say). */
export function oauthCall(path: string, init?: RequestInit, extra: Record<string, unknown> = {}) {
  return callWithBindings({ ...oauthSettings(), ...extra }, path, init);
}

const encodeIdentity = (identity: FakeIdentity) => Buffer.from(JSON.stringify(identity)).toString('base64url');

/** GET /oauth/:provider → the provider's consent (as `identity`) → the callback URL it sends back. */
export async function startAndConsent(
  provider: string,
  identity: FakeIdentity,
  redirectTo = '/dashboard',
  extra: Record<string, string> = {},
) {
  const start = await oauthCall(
    `/api/auth/oauth/${provider}?redirect_to=${encodeURIComponent(redirectTo)}`,
    undefined,
    extra,
  );
  expect(start.status).toBe(302);
  const stateCookie = cookieValue(start, 'oauth_state');
  expect(stateCookie).toBeTruthy();
  const authorizationUrl = new URL(start.headers.get('Location')!);
  authorizationUrl.searchParams.set('fake_identity', encodeIdentity(identity));
  const consent = await fetch(authorizationUrl, { redirect: 'manual' });
  expect(consent.status).toBe(302);
  const callback = new URL(consent.headers.get('Location')!);
  expect(callback.origin).toBe(TEST_API_URL);
  return { start, authorizationUrl, stateCookie: stateCookie!, callbackPath: `${callback.pathname}${callback.search}` };
}

/** The whole round trip; returns the callback's answer. */
export async function signInWith(
  provider: string,
  identity: FakeIdentity,
  redirectTo = '/dashboard',
  extra: Record<string, string> = {},
) {
  const flow = await startAndConsent(provider, identity, redirectTo, extra);
  const callback = await oauthCall(
    flow.callbackPath,
    { headers: { Cookie: `oauth_state=${flow.stateCookie}` } },
    extra,
  );
  return { ...flow, callback };
}

export const uniqueSub = () => String(Math.floor(Math.random() * 1e12));
