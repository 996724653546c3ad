// OIDC discovery's cache and checks, with fetch scripted: the last good document survives a failed
// re-fetch, failures back off, endpoints must be URLs (https for an https issuer), and back-channel
// requests never follow a redirect.
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  checkEndpoint,
  discoverOidc,
  DISCOVERY_REFRESH_COOLDOWN_MS,
  DISCOVERY_TTL_MS,
} from '../../src/auth/oauth/oidc-discovery';
import { fetchFromProvider } from '../../src/auth/oauth/provider-fetch';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const document = (issuer: string, token = 'token') => ({
  issuer,
  authorization_endpoint: `${issuer}/auth`,
  token_endpoint: `${issuer}/${token}`,
  jwks_uri: `${issuer}/jwks`,
});

function scriptedFetch(answers: (() => Response)[]) {
  const fetch = vi.fn(async () => {
    const next = answers.shift();
    if (!next) throw new Error('no answer scripted');
    return next();
  });
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

function advance(ms: number) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + ms);
}

describe('discoverOidc', () => {
  it('keeps the last good document through a failed re-fetch, and backs off before trying again', async () => {
    const issuer = `https://idp-${crypto.randomUUID()}.example`;
    const fetch = scriptedFetch([
      () => Response.json(document(issuer)),
      () => new Response('down', { status: 503 }),
      () => Response.json(document(issuer, 'token-v2')),
    ]);
    expect((await discoverOidc(issuer)).token_endpoint).toBe(`${issuer}/token`);
    advance(DISCOVERY_TTL_MS);
    // Due, the fetch fails: the old document still answers, and parallel callers share one fetch.
    const during = await Promise.all([discoverOidc(issuer), discoverOidc(issuer), discoverOidc(issuer)]);
    expect(during.map((d) => d.token_endpoint)).toEqual(Array(3).fill(`${issuer}/token`));
    expect(fetch).toHaveBeenCalledTimes(2);
    // Within the cooldown after the failure: no fetch, forced or not.
    await discoverOidc(issuer, { refresh: true });
    await discoverOidc(issuer);
    expect(fetch).toHaveBeenCalledTimes(2);
    advance(DISCOVERY_REFRESH_COOLDOWN_MS);
    expect((await discoverOidc(issuer)).token_endpoint).toBe(`${issuer}/token-v2`);
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it('fetches again on a forced refresh only after the cooldown', async () => {
    const issuer = `https://idp-${crypto.randomUUID()}.example`;
    const fetch = scriptedFetch([
      () => Response.json(document(issuer)),
      () => Response.json(document(issuer, 'moved')),
    ]);
    await discoverOidc(issuer);
    await discoverOidc(issuer, { refresh: true });
    expect(fetch).toHaveBeenCalledTimes(1);
    advance(DISCOVERY_REFRESH_COOLDOWN_MS);
    expect((await discoverOidc(issuer, { refresh: true })).token_endpoint).toBe(`${issuer}/moved`);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('with no good document, a failure is remembered for the cooldown instead of fetched per request', async () => {
    const issuer = `https://idp-${crypto.randomUUID()}.example`;
    const fetch = scriptedFetch([() => new Response('down', { status: 503 })]);
    for (let i = 0; i < 5; i++) await expect(discoverOidc(issuer)).rejects.toThrow('answered 503');
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});

describe('checkEndpoint', () => {
  it('wants a URL, https for an https issuer, http(s) for an http one (local development)', () => {
    const https = 'https://idp.example';
    expect(() => checkEndpoint(https, 'token_endpoint', 'https://other.example/token', true)).not.toThrow();
    expect(() => checkEndpoint(https, 'token_endpoint', 'http://idp.example/token', true)).toThrow('https');
    expect(() => checkEndpoint(https, 'token_endpoint', 'not a url', true)).toThrow('valid token_endpoint');
    expect(() => checkEndpoint(https, 'jwks_uri', undefined, true)).toThrow('valid jwks_uri');
    expect(() => checkEndpoint(https, 'userinfo_endpoint', undefined, false)).not.toThrow();
    expect(() => checkEndpoint('http://127.0.0.1:9', 'token_endpoint', 'http://127.0.0.1:9/t', true)).not.toThrow();
    expect(() => checkEndpoint('http://127.0.0.1:9', 'token_endpoint', 'javascript:alert(1)', true)).toThrow();
  });
});

describe('fetchFromProvider', () => {
  it('does not follow a redirect (it could carry the code or a secret elsewhere)', async () => {
    // The Google fake's authorization endpoint answers 302 (back to the redirect_uri).
    const identity = Buffer.from(JSON.stringify({ sub: 's' })).toString('base64url');
    const url = `${env.TEST_GOOGLE_FAKE_URL}/o/oauth2/v2/auth?redirect_uri=${encodeURIComponent('http://api.test/cb')}&state=s&fake_identity=${identity}`;
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(302);
    await expect(fetchFromProvider(url)).rejects.toThrow('redirect, which is not followed');
  });
});
