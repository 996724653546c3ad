// Driving the generic `oidc` sign-in the way a browser does, against panva's oidc-provider instances
// started by global setup (test/support/fakes/oidc-provider.ts). The browser's half (the provider's
// cookies, its login and consent) is done here with fetch; Liftoff's callback is left to the test,
// so that it can tamper with the callback URL first.
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import {
  OIDCP_CLIENTS,
  OIDCP_REDIRECT_URI,
  type OidcpAccount,
  type OidcpClient,
  type OidcpInstanceOptions,
  type OidcpRequestRecord,
} from './fakes/oidc-provider-clients';
import { callWithBindings, cookieValue } from './http';

export {
  OIDCP_CLIENTS,
  OIDCP_ID_TOKEN_ALGS,
  OIDCP_REDIRECT_URI,
  OIDCP_SPECIAL_SECRET,
  type OidcpAccount,
  type OidcpClient,
  type OidcpIdTokenAlg,
  type OidcpInstanceOptions,
  type OidcpRequestRecord,
} from './fakes/oidc-provider-clients';

export interface OidcProviderSettings {
  OIDC_ISSUER: string;
  OIDC_CLIENT_ID: string;
  OIDC_CLIENT_SECRET: string;
}

/** Liftoff's OIDC_* settings for one of the registered clients at `issuer` (the default instance unless given). */
export function oidcProviderSettings(
  client: OidcpClient = 'basic',
  issuer: string = env.TEST_OIDCP_ISSUER,
): OidcProviderSettings {
  const { client_id, client_secret } = OIDCP_CLIENTS[client];
  return { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: client_id, OIDC_CLIENT_SECRET: client_secret };
}

/** Calls the Worker with these OIDC settings (and `extra` bindings, which win). */
export function oidcProviderCall(
  settings: OidcProviderSettings,
  path: string,
  init?: RequestInit,
  extra: Record<string, unknown> = {},
) {
  return callWithBindings({ ...settings, ...extra }, path, init);
}

export interface OidcProviderFlow {
  /** The OIDC_* settings the flow ran with (finishOidcProviderSignIn uses them again). */
  settings: OidcProviderSettings;
  /** Liftoff's answer to GET /api/auth/oauth/oidc (a 302 to the provider). */
  start: Response;
  /** The oauth_state cookie's value. */
  stateCookie: string;
  /** Where Liftoff sent the browser. */
  authorizationUrl: URL;
  /** Every URL the browser visited at the provider, in order, with the status it got. */
  providerHops: { method: string; url: string; status: number }[];
  /** Where the provider sent the browser back: code, state and iss (RFC 9207), or error. */
  callbackUrl: URL;
  /** callbackUrl's path and query, for callWithBindings. */
  callbackPath: string;
}

/** The provider's cookies for one browser: workerd's fetch keeps none. Path and expiry are ignored. */
class CookieJar {
  private cookies = new Map<string, string>();

  store(response: Response) {
    // workerd's Headers.getAll: every Set-Cookie line, unjoined.
    for (const line of response.headers.getAll('Set-Cookie')) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = '', date = ''] = attribute.split('=');
        return key.trim().toLowerCase() === 'expires' && Date.parse(date) <= Date.now();
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { Cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }
}

/**
 * GET /api/auth/oauth/oidc with `client`'s settings at `issuer` → the provider's authorization
 * endpoint (its redirects followed by hand, its cookies kept) → login as `account` and consent to every
 * scope asked for (or `deny`) → the URL the provider sends the browser back to. Liftoff's callback is
 * not called: finishOidcProviderSignIn does that.
 */
export async function signInWithOidcProvider(options: {
  account: OidcpAccount;
  client?: OidcpClient;
  /** An instance's issuer: env.TEST_OIDCP_ISSUER (default), TEST_OIDCP_PAR_ISSUER, ..., or startOwnOidcProvider's. */
  issuer?: string;
  redirectTo?: string;
  /** Bindings that replace the test settings for the start request (and that the test passes on). */
  extra?: Record<string, unknown>;
  /** Refuse at the consent step: the provider sends error=access_denied back. */
  deny?: boolean;
}): Promise<OidcProviderFlow> {
  const settings = oidcProviderSettings(options.client, options.issuer);
  const start = await oidcProviderCall(
    settings,
    `/api/auth/oauth/oidc?redirect_to=${encodeURIComponent(options.redirectTo ?? '/dashboard')}`,
    undefined,
    options.extra,
  );
  expect(start.status, 'Liftoff starts the sign-in with a redirect').toBe(302);
  const stateCookie = cookieValue(start, 'oauth_state');
  expect(stateCookie, `Liftoff sets oauth_state (it redirected to ${start.headers.get('Location')})`).toBeTruthy();
  const authorizationUrl = new URL(start.headers.get('Location')!);

  const jar = new CookieJar();
  const providerHops: OidcProviderFlow['providerHops'] = [];
  let url = authorizationUrl;
  let init: RequestInit = { method: 'GET' };
  for (let hop = 0; hop < 8; hop++) {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...jar.header(), ...(init.body ? { 'Content-Type': 'application/json' } : {}) },
    });
    providerHops.push({ method: init.method ?? 'GET', url: url.href, status: response.status });
    jar.store(response);
    const location = response.headers.get('Location');
    if (response.status < 300 || response.status >= 400 || location === null) {
      throw new Error(`oidc-provider answered ${response.status} at ${url.href}: ${await response.text()}`);
    }
    await response.body?.cancel();
    const next = new URL(location, url);
    if (`${next.origin}${next.pathname}` === OIDCP_REDIRECT_URI) {
      return {
        settings,
        start,
        stateCookie: stateCookie!,
        authorizationUrl,
        providerHops,
        callbackUrl: next,
        callbackPath: `${next.pathname}${next.search}`,
      };
    }
    url = next;
    init = /\/__fake\/interaction\/[\w-]+$/.test(next.pathname)
      ? { method: 'POST', body: JSON.stringify(options.deny ? { deny: true } : options.account) }
      : { method: 'GET' };
  }
  throw new Error(`oidc-provider never sent the browser back: ${JSON.stringify(providerHops)}`);
}

/**
 * Liftoff's callback for a flow, with its oauth_state cookie. `iss` replaces the RFC 9207 parameter
 * the provider sent (null removes it); `callbackUrl` replaces the whole URL.
 */
export function finishOidcProviderSignIn(
  flow: OidcProviderFlow,
  options: { iss?: string | null; callbackUrl?: URL; extra?: Record<string, unknown> } = {},
): Promise<Response> {
  const url = new URL(options.callbackUrl ?? flow.callbackUrl);
  if (options.iss === null) url.searchParams.delete('iss');
  else if (options.iss !== undefined) url.searchParams.set('iss', options.iss);
  return oidcProviderCall(
    flow.settings,
    `${url.pathname}${url.search}`,
    { headers: { Cookie: `oauth_state=${flow.stateCookie}` } },
    options.extra,
  );
}

const controlUrl = (issuer: string, path: string) => `${issuer.replace(/\/+$/, '')}/__fake/${path}`;

async function control<T>(url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(body ?? {}) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return response.json<T>();
}

/**
 * A fresh instance for this test alone (its own port and issuer, so also its own discovery and JWKS
 * caches in Liftoff): the one to rotate keys or move endpoints on. Returns its issuer.
 */
export async function startOwnOidcProvider(options: OidcpInstanceOptions = {}): Promise<string> {
  return (await control<{ issuer: string }>(`${env.TEST_OIDCP_CONTROL_URL}/__fake/providers`, options)).issuer;
}

/** New signing keys (new kids) go first and sign from now on; the old stay in the JWKS unless `keepOld` is false. */
export async function rotateOidcProviderKeys(issuer: string, { keepOld = true } = {}): Promise<string[]> {
  return (await control<{ kids: string[] }>(controlUrl(issuer, 'rotate-keys'), { keep_old: keepOld })).kids;
}

/** Discovery names `path` (below the issuer) as the token endpoint from now on; the old one answers 404. */
export async function moveOidcProviderTokenEndpoint(issuer: string, path = '/token-v2'): Promise<string> {
  return (await control<{ token_endpoint: string }>(controlUrl(issuer, 'move-token-endpoint'), { path }))
    .token_endpoint;
}

/** The requests the instance has received, oldest first (shared instances: every test's). */
export async function oidcProviderRequests(issuer: string): Promise<OidcpRequestRecord[]> {
  return (await fetch(controlUrl(issuer, 'requests'))).json<OidcpRequestRecord[]>();
}
