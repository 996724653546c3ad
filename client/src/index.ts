// @liftoff/client: a typed client for a Liftoff API (openapi-fetch over types generated from the
// API's own OpenAPI document), with the sign-in state and the refresh dance built in.
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './api.js';
import { createApiKeys, type ApiKeysApi } from './api-keys.js';
import { errorFrom } from './errors.js';
import { createOrgs, type OrgsApi } from './orgs.js';
import { Session, withCredentials, type AuthState, type User } from './session.js';
import { createPasskeys, getPasskey, type PasskeysApi } from './passkeys.js';
import {
  createTwoFactor,
  factorBody,
  SecondFactorRequired,
  type SecondFactorInput,
  type SecondFactorMethod,
  type TwoFactorApi,
} from './two-factor.js';

export type { components, operations, paths } from './api.js';
export type {
  ApiKey,
  ApiKeyManager,
  ApiKeyScope,
  ApiKeysApi,
  NewApiKey,
  NewApiKeyInput,
  PresentedApiKey,
} from './api-keys.js';
export {
  isLiftoffError,
  LiftoffError,
  type ErrorCode,
  type OperationErrorCode,
  type ValidationIssue,
} from './errors.js';
export type { Invitation, Organization, OrganizationMember, OrgsApi } from './orgs.js';
export type { Passkey, PasskeysApi } from './passkeys.js';
export type { ActiveOrganization, AuthState, OrgRole, User } from './session.js';
export {
  isSecondFactorRequired,
  SecondFactorRequired,
  type SecondFactorInput,
  type SecondFactorMethod,
  type SecondFactorStatus,
  type TwoFactorApi,
} from './two-factor.js';

export interface LiftoffClientOptions {
  /** The API's origin, e.g. `https://api.example.com` (its routes are under /api). */
  baseUrl: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Refresh the access token this many seconds before it expires (default 30). */
  refreshMarginSeconds?: number;
  /**
   * Share one refresh (and sign-ins and sign-outs) among the tabs of a browser: BroadcastChannel and
   * Web Locks. Default: on in a web page, off elsewhere (a server's clients are separate users).
   */
  coordinateTabs?: boolean;
  /** For tests: the clock, in milliseconds. */
  now?: () => number;
}

export type ProviderName = 'google' | 'github' | 'oidc';

export interface LiftoffClient {
  /**
   * The API, typed from its OpenAPI document: `api.GET('/api/me')`. Calls carry the access token
   * and the D1 bookmark; a TOKEN_EXPIRED answer is refreshed and retried once; any error answer is
   * thrown as a LiftoffError (so `data` is always set when the call returns).
   */
  api: Client<paths>;
  auth: {
    signUp(input: { email: string; password: string; name?: string }): Promise<User>;
    /** Throws SecondFactorRequired when the account has a second factor: its `verify()` completes the sign-in. */
    signIn(input: { email: string; password: string }): Promise<User>;
    /** Signs in with a passkey, without a password or an email: the browser asks which passkey (and for its PIN or fingerprint). */
    signInWithPasskey(): Promise<User>;
    /** Ends this session (the cookie is cleared) and signs out every tab. */
    signOut(): Promise<void>;
    /** Ends every session of the user, on every device. */
    signOutEverywhere(): Promise<void>;
    /** The URL that starts signing in with `provider`; `redirectTo` is a path of your app to land on. */
    oauthUrl(provider: ProviderName, redirectTo?: string): string;
    /** Sends the browser to the provider (`location.assign(oauthUrl(...))`). */
    startOAuth(provider: ProviderName, redirectTo?: string): void;
    /**
     * Signs in from the refresh cookie, if there is one: after the provider redirected back, and on
     * every page load to restore the session. Resolves to the user, or null when there is no session.
     * Throws SecondFactorRequired when the provider sent the browser back with an `mfa_token` in the
     * URL's fragment (an account with a second factor); the fragment is removed from the address bar.
     */
    completeOAuth(): Promise<User | null>;
    restore(): Promise<User | null>;
    /** The access token (refreshed if it is about to expire), for calls made without `api`; null when signed out. */
    getAccessToken(): Promise<string | null>;
    readonly state: AuthState;
    /**
     * Called on every sign-in and sign-out, and when the active organization or role changes (in this
     * tab, or one another tab reported); returns an unsubscribe.
     */
    onChange(listener: (state: AuthState) => void): () => void;
  };
  /**
   * Organizations, their members and invitations, and the active one (`activate`, `deactivate`,
   * shown as `auth.state.organization`). Errors are thrown as LiftoffError, as by `api`.
   */
  orgs: OrgsApi;
  /** Authenticator app, recovery codes and step-up (errors thrown as LiftoffError, as by `api`). */
  twoFactor: TwoFactorApi;
  /** The user's passkeys: add (the browser creates one), list, rename, remove. */
  passkeys: PasskeysApi;
  /**
   * API keys: the user's own (`list`, `create`, `revoke`), an organization's (`forOrg(id)`, the same
   * calls), and `self(key)`, what a key is, asked with the key instead of the session.
   */
  apiKeys: ApiKeysApi;
  /** Stops listening to the other tabs (a page that drops the client; tests). */
  close(): void;
}

/** The bearer-token codes after which one refresh is worth trying. */
const TOKEN_RETRY_CODES = new Set(['TOKEN_EXPIRED', 'TOKEN_INVALID']);

export function createLiftoffClient(options: LiftoffClientOptions): LiftoffClient {
  const baseFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const session = new Session({
    baseUrl: options.baseUrl,
    fetch: baseFetch,
    refreshMarginMs: (options.refreshMarginSeconds ?? 30) * 1000,
    tabs: options.coordinateTabs ?? typeof (globalThis as { document?: unknown }).document !== 'undefined',
    now: options.now ?? Date.now,
  });
  // The newest D1 bookmark received, sent back so that reads see this client's own writes.
  let bookmark: string | null = null;

  const apiOrigin = new URL(options.baseUrl).origin;

  async function send(request: Request, token: string | null): Promise<Response> {
    const headers = new Headers(request.headers);
    // The token and the bookmark go to the API only, and bookmarks come from it only (a call may
    // name another baseUrl).
    const toApi = new URL(request.url).origin === apiOrigin;
    if (toApi) {
      if (token) headers.set('Authorization', `Bearer ${token}`);
      if (bookmark) headers.set('X-D1-Bookmark', bookmark);
    }
    const response = await baseFetch(new Request(request, withCredentials({ headers })));
    if (toApi) bookmark = response.headers.get('X-D1-Bookmark') ?? bookmark;
    return response;
  }

  /** openapi-fetch's fetch: auth, bookmark, one refresh-and-retry, and errors thrown. */
  async function authedFetch(input: Request): Promise<Response> {
    const retry = input.clone();
    const token = await session.accessToken();
    let response = await send(input, token);
    if (response.status === 401 && token) {
      const error = await errorFrom(response);
      if (TOKEN_RETRY_CODES.has(error.code)) {
        // Another call may have refreshed while this one was out: its token first, else one refresh.
        const current = session.currentToken;
        const fresh = current && current !== token ? current : (await session.refresh())?.value;
        if (!fresh) throw error;
        response = await send(retry, fresh);
      }
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  const api = createClient<paths>({ baseUrl: options.baseUrl, fetch: authedFetch });

  async function signInWith(path: '/api/auth/register' | '/api/auth/login', body: object): Promise<User> {
    const answer = await postJson<
      SignedInAnswer | { mfa_required: true; mfa_token: string; methods: SecondFactorMethod[] }
    >(path, body);
    if ('mfa_required' in answer) throw secondFactorRequired(answer.mfa_token, answer.methods);
    return signedIn(answer);
  }

  type SignedInAnswer = { access_token: string; expires_in: number; user: User };
  function signedIn(answer: SignedInAnswer): User {
    session.signedIn(answer.access_token, answer.expires_in, answer.user);
    return answer.user;
  }

  function secondFactorRequired(mfaToken: string, methods: SecondFactorMethod[]) {
    return new SecondFactorRequired(mfaToken, methods, async (input: SecondFactorInput) => {
      const proof = await factorBody(input, () => postJson('/api/auth/2fa/passkey-options', { mfa_token: mfaToken }));
      const answer = await postJson<SignedInAnswer & { redirect_to: string | null }>('/api/auth/2fa/verify', {
        mfa_token: mfaToken,
        ...proof,
      });
      return { ...signedIn(answer), redirectTo: answer.redirect_to };
    });
  }

  /** A call made without the session's access token: its JSON answer, errors thrown. */
  async function sendJson<T>(request: Request): Promise<T> {
    const response = await send(request, null);
    if (!response.ok) throw await errorFrom(response);
    return (await response.json()) as T;
  }

  /** A call made before there is a session (sign-in steps): JSON in, JSON out, errors thrown. */
  function postJson<T = Record<string, unknown>>(path: string, body: object): Promise<T> {
    return sendJson(
      new Request(new URL(path, options.baseUrl), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }),
    );
  }

  /** After an OAuth sign-in of an account with a second factor: the pending step, from the URL's fragment. */
  function pendingOAuthSecondFactor(): SecondFactorRequired | null {
    // Only in a web page (the client's types have no DOM library: it runs in Node and Workers too).
    const page = globalThis as {
      location?: { hash: string; pathname: string; search: string };
      history?: { state: unknown; replaceState(state: unknown, unused: string, url: string): void };
    };
    const fragment = new URLSearchParams(page.location?.hash.slice(1) ?? '');
    const mfaToken = fragment.get('mfa_token');
    if (!mfaToken || !page.location) return null;
    page.history?.replaceState(page.history.state, '', page.location.pathname + page.location.search);
    const methods = (fragment.get('methods') ?? 'totp').split(',') as SecondFactorMethod[];
    return secondFactorRequired(mfaToken, methods);
  }

  /** One refresh from the cookie, then the user: listeners hear once, with the user. */
  async function restore(): Promise<User | null> {
    if (!(await session.refresh())) return null;
    const { data } = await api.GET('/api/me');
    const user = data as unknown as User;
    session.setUser(user);
    return user;
  }

  const auth: LiftoffClient['auth'] = {
    signUp: (input) => signInWith('/api/auth/register', input),
    signIn: (input) => signInWith('/api/auth/login', input),
    async signInWithPasskey() {
      const response = await getPasskey(await postJson('/api/auth/passkeys/options', {}));
      return signedIn(await postJson<SignedInAnswer>('/api/auth/passkeys/verify', { response }));
    },
    async signOut() {
      // Signed out here (and in every tab) at once, so a refresh already on its way cannot undo it;
      // then the API ends the session and clears the cookie. If that call fails, it throws: the
      // cookie may still be there, and the next restore() would sign in again.
      session.setSignedOut();
      const response = await send(new Request(new URL('/api/auth/logout', options.baseUrl), { method: 'POST' }), null);
      if (!response.ok) throw await errorFrom(response);
    },
    async signOutEverywhere() {
      await api.POST('/api/auth/logout-all');
      session.setSignedOut();
    },
    oauthUrl(provider, redirectTo) {
      const url = new URL(`/api/auth/oauth/${provider}`, options.baseUrl);
      if (redirectTo) url.searchParams.set('redirect_to', redirectTo);
      return url.toString();
    },
    startOAuth(provider, redirectTo) {
      (globalThis as { location?: { assign(url: string): void } }).location?.assign(
        auth.oauthUrl(provider, redirectTo),
      );
    },
    async completeOAuth() {
      const pending = pendingOAuthSecondFactor();
      if (pending) throw pending;
      return restore();
    },
    restore,
    getAccessToken: () => session.accessToken(),
    get state() {
      return session.state;
    },
    onChange: (listener) => session.onChange(listener),
  };

  return {
    api,
    auth,
    orgs: createOrgs(api, session),
    twoFactor: createTwoFactor(api, session),
    passkeys: createPasskeys(api),
    apiKeys: createApiKeys(api, sendJson, options.baseUrl),
    close: () => session.close(),
  };
}
