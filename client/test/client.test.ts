// @liftoff/client against a scripted fetch: the refresh dance, sign-out rules and typed errors.
// (The same client against the real Worker: test/client.test.ts in workerd, test/e2e/front-end.test.ts in Chromium, two tabs included.)
import { describe, expect, it } from 'vitest';
import { createLiftoffClient, isLiftoffError, LiftoffError } from '../src/index';

const BASE = 'https://api.test';
const USER = {
  id: 'u1',
  email: 'ada@example.com',
  name: null,
  email_verified: true,
  role: 'user' as const,
  created_at: '2026-11-30T00:00:00.000Z',
};
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
const apiError = (status: number, code: string, headers: Record<string, string> = {}) =>
  json(status, { error: `${code} happened`, code }, { 'X-Request-Id': 'req-1', ...headers });
const ORG = { id: 'o1', name: 'Acme', slug: 'acme', role: 'admin' as const, created_at: '2026-12-01T00:00:00.000Z' };
/** A token shaped like the API's (header.claims.signature), with org claims when `orgId` is set. */
const jwt = (n: number, orgId: string | null) =>
  orgId === null
    ? `t${n}`
    : `h.${Buffer.from(JSON.stringify({ sub: 'u1', org_id: orgId, org_role: 'admin' })).toString('base64url')}.t${n}`;

/**
 * A fake API: tokens `t0`, `t1`... (each refresh issues the next), valid while the test clock says
 * so; `routes` answer everything else. Records every request. Like the API's session, it remembers
 * the active organization (POST /api/orgs/{id}/activate, /deactivate): its tokens carry the claims.
 */
function fakeApi(
  routes: (request: Request, token: string | null) => Response | Promise<Response> = () => json(200, { ok: true }),
) {
  let clock = 0;
  let issued = 0;
  // The one access token the server accepts, until its expiry (the session's newest).
  let current = { value: 't0', expiresAt: 900_000 };
  let activeOrg: string | null = null;
  const issue = () => {
    current = { value: jwt(issued++, activeOrg), expiresAt: clock + 900_000 };
    return json(200, { access_token: current.value, token_type: 'Bearer', expires_in: 900 });
  };
  let refreshAnswer: () => Response = issue;
  const requests: Request[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    requests.push(request);
    const { pathname } = new URL(request.url);
    await new Promise((resolve) => setTimeout(resolve, 1)); // every answer takes a moment, as over a network
    if (pathname === '/api/auth/login' || pathname === '/api/auth/register') {
      const signedIn = (await issue().json()) as object;
      return json(pathname.endsWith('register') ? 201 : 200, { ...signedIn, user: USER });
    }
    if (pathname === '/api/auth/refresh') return refreshAnswer();
    const token = request.headers.get('Authorization')?.replace('Bearer ', '') ?? null;
    if (token !== null && (token !== current.value || clock >= current.expiresAt))
      return apiError(401, 'TOKEN_EXPIRED');
    const activate = /^\/api\/orgs\/([^/]+)\/activate$/.exec(pathname);
    if (token && (activate || pathname === '/api/orgs/deactivate')) {
      activeOrg = activate ? activate[1]! : null;
      const tokens = (await issue().json()) as object;
      return json(200, { ...tokens, organization: activeOrg ? { ...ORG, id: activeOrg } : null });
    }
    return routes(request, token);
  };
  return {
    fetch: fetch as typeof globalThis.fetch,
    requests,
    refreshes: () => requests.filter((r) => new URL(r.url).pathname === '/api/auth/refresh').length,
    advance: (ms: number) => (clock += ms),
    now: () => clock,
    answerRefreshWith: (answer: () => Response) => (refreshAnswer = answer),
    /** The server stops accepting the current token while the client's clock still trusts it. */
    expireOnServer: () => (current = { ...current, expiresAt: clock }),
  };
}

async function signedInClient(api: ReturnType<typeof fakeApi>) {
  const client = createLiftoffClient({ baseUrl: BASE, fetch: api.fetch, now: api.now, coordinateTabs: false });
  await client.auth.signIn({ email: USER.email, password: 'pw' });
  return client;
}

describe('@liftoff/client', () => {
  it('refreshes once for 20 concurrent calls made with an expired token, and all 20 succeed', async () => {
    const api = fakeApi((_request, token) => json(200, { ...USER, token }));
    const client = await signedInClient(api);
    api.advance(900_000); // the token has expired; the client has not noticed yet
    // Its clock says so too, so it refreshes before sending; then again with a token the server refuses.
    const results = await Promise.all(Array.from({ length: 20 }, () => client.api.GET('/api/me')));
    expect(results.map((r) => r.response.status)).toEqual(Array(20).fill(200));
    expect(api.refreshes()).toBe(1);
    expect(client.auth.state.signedIn).toBe(true);
  });

  it('refreshes once when the server says TOKEN_EXPIRED before the clock does, and retries each call once', async () => {
    const api = fakeApi((request) => json(200, { path: new URL(request.url).pathname }));
    const client = await signedInClient(api);
    api.expireOnServer();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => client.api.PATCH('/api/me', { body: { name: 'Ada' } })),
    );
    expect(results.map((r) => r.response.status)).toEqual(Array(10).fill(200));
    expect(api.refreshes()).toBe(1);
    // Each call went out twice: with the refused token, then with the new one (the body resent).
    const patches = api.requests.filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(20);
    expect(await patches[19]!.text()).toBe('{"name":"Ada"}');
  });

  it('signs out once, and tells listeners once, when the refresh is refused', async () => {
    const api = fakeApi();
    const client = await signedInClient(api);
    const states: boolean[] = [];
    client.auth.onChange((state) => states.push(state.signedIn));
    api.answerRefreshWith(() => apiError(401, 'REFRESH_TOKEN_REUSED'));
    api.advance(900_000);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => client.api.GET('/api/me')));
    expect(api.refreshes()).toBe(1);
    expect(states).toEqual([false]);
    expect(client.auth.state).toEqual({ signedIn: false, user: null, organization: null });
    // The calls went out without a token, and the fake answers them as any anonymous call.
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(await client.auth.getAccessToken()).toBeNull();
  });

  it('stays signed in after a 401 that is not about the token (a wrong current password)', async () => {
    const api = fakeApi(() => apiError(401, 'INVALID_CREDENTIALS'));
    const client = await signedInClient(api);
    const error = await client.api
      .POST('/api/auth/password/change', { body: { current_password: 'wrong', new_password: 'mauve-orbit-tundra-42' } })
      .catch((e: unknown) => e);
    expect(isLiftoffError(error, 'INVALID_CREDENTIALS')).toBe(true);
    expect(api.refreshes()).toBe(0);
    expect(client.auth.state.signedIn).toBe(true);
  });

  it('stays signed in on a 503 or a network failure, and throws', async () => {
    let fail: 'status' | 'network' = 'status';
    const api = fakeApi(() => {
      if (fail === 'network') throw new TypeError('fetch failed');
      return apiError(503, 'DATABASE_UNAVAILABLE');
    });
    const client = await signedInClient(api);
    const error = await client.api.GET('/api/health').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LiftoffError);
    expect(error).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE', requestId: 'req-1' });
    fail = 'network';
    await expect(client.api.GET('/api/me')).rejects.toThrow('fetch failed');
    // A refresh that fails on the network does not sign out either.
    api.answerRefreshWith(() => {
      throw new TypeError('fetch failed');
    });
    api.advance(900_000);
    await expect(client.auth.getAccessToken()).rejects.toThrow('fetch failed');
    expect(client.auth.state.signedIn).toBe(true);
  });

  it('throws error answers as LiftoffError with code, sentence, issues and request id', async () => {
    const api = fakeApi(() =>
      json(
        400,
        {
          error: 'The request is not valid.',
          code: 'VALIDATION_ERROR',
          issues: [{ path: 'name', message: 'too long' }],
        },
        { 'X-Request-Id': 'req-9' },
      ),
    );
    const client = await signedInClient(api);
    const error = await client.api.PATCH('/api/me', { body: { name: 'x' } }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'LiftoffError',
      status: 400,
      code: 'VALIDATION_ERROR',
      message: 'The request is not valid.',
      issues: [{ path: 'name', message: 'too long' }],
      requestId: 'req-9',
    });
  });

  it('sends back the newest D1 bookmark it received', async () => {
    let n = 0;
    const api = fakeApi(() => json(200, {}, { 'X-D1-Bookmark': `0000000${++n}-00000000-00000000-${'0'.repeat(32)}` }));
    const client = await signedInClient(api);
    await client.api.GET('/api/me');
    await client.api.GET('/api/me');
    const sent = api.requests
      .filter((r) => new URL(r.url).pathname === '/api/me')
      .map((r) => r.headers.get('X-D1-Bookmark'));
    expect(sent).toEqual([null, `00000001-00000000-00000000-${'0'.repeat(32)}`]);
  });

  it('tells the other tabs of a sign-in (token and user) and of a sign-out (BroadcastChannel)', async () => {
    const api = fakeApi((request) => json(200, { path: new URL(request.url).pathname }));
    // Two clients of one API in one process share a channel, as two tabs of a site do.
    const tab = () =>
      createLiftoffClient({ baseUrl: 'https://tabs.test', fetch: api.fetch, now: api.now, coordinateTabs: true });
    const [tabA, tabB] = [tab(), tab()];
    const seenByB: (string | null)[] = [];
    tabB.auth.onChange((state) => seenByB.push(state.user?.email ?? null));
    await tabA.auth.signIn({ email: USER.email, password: 'pw' });
    await expect.poll(() => tabB.auth.state).toEqual({ signedIn: true, user: USER, organization: null });
    // B calls with A's token, without a refresh of its own.
    await tabB.api.GET('/api/me');
    expect(api.refreshes()).toBe(0);
    await tabA.auth.signOut().catch(() => {});
    await expect.poll(() => tabB.auth.state.signedIn).toBe(false);
    expect(seenByB).toEqual([USER.email, null]);
    tabA.close();
    tabB.close();
  });

  it('does not share a session between clients outside a web page (a server with many users)', async () => {
    const api = fakeApi();
    const [alice, bob] = [1, 2].map(() =>
      createLiftoffClient({ baseUrl: 'https://tabs.test', fetch: api.fetch, now: api.now }),
    );
    await alice!.auth.signIn({ email: USER.email, password: 'pw' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(bob!.auth.state).toEqual({ signedIn: false, user: null, organization: null });
  });

  it('stays signed out when a refresh that was on its way when the user signed out comes back', async () => {
    const api = fakeApi((request) =>
      new URL(request.url).pathname === '/api/me' ? json(200, USER) : new Response(null, { status: 204 }),
    );
    const client = createLiftoffClient({ baseUrl: BASE, fetch: api.fetch, now: api.now, coordinateTabs: false });
    const restoring = client.auth.restore();
    await client.auth.signOut();
    expect(await restoring.catch(() => null)).toBeNull();
    expect(client.auth.state).toEqual({ signedIn: false, user: null, organization: null });
  });

  it('sends the token and the bookmark to the API only, even when a call names another baseUrl', async () => {
    const fromApi = `00000001-00000000-00000000-${'0'.repeat(32)}`;
    const fromElsewhere = `ffffffff-00000000-00000000-${'0'.repeat(32)}`;
    const api = fakeApi((request) =>
      json(200, {}, { 'X-D1-Bookmark': new URL(request.url).origin === BASE ? fromApi : fromElsewhere }),
    );
    const client = await signedInClient(api);
    await client.api.GET('/api/me');
    await client.api.GET('/api/me', { baseUrl: 'https://elsewhere.test' });
    await client.api.GET('/api/me');
    const elsewhere = api.requests.find((r) => new URL(r.url).origin === 'https://elsewhere.test')!;
    expect(elsewhere.headers.get('Authorization')).toBeNull();
    expect(elsewhere.headers.get('X-D1-Bookmark')).toBeNull();
    // Nor does another origin's bookmark reach the API.
    expect(api.requests.at(-1)!.headers.get('X-D1-Bookmark')).toBe(fromApi);
  });

  it('retries a call refused after another call refreshed with the new token, without a second refresh', async () => {
    let slow = true;
    const api = fakeApi(async (request) => {
      if (slow && new URL(request.url).pathname === '/api/health') {
        slow = false;
        await new Promise((resolve) => setTimeout(resolve, 30)); // answered after the refresh below
        return apiError(401, 'TOKEN_EXPIRED');
      }
      return json(200, {});
    });
    const client = await signedInClient(api);
    const late = client.api.GET('/api/health');
    await new Promise((resolve) => setTimeout(resolve, 5));
    api.expireOnServer();
    await client.api.GET('/api/me'); // refreshes
    expect((await late).response.status).toBe(200);
    expect(api.refreshes()).toBe(1);
  });

  it('keeps telling the other listeners when one throws', async () => {
    const api = fakeApi();
    const client = createLiftoffClient({ baseUrl: BASE, fetch: api.fetch, now: api.now, coordinateTabs: false });
    const seen: boolean[] = [];
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    client.auth.onChange(() => {
      throw new Error('a broken listener');
    });
    client.auth.onChange((state) => seen.push(state.signedIn));
    await client.auth.signIn({ email: USER.email, password: 'pw' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    process.off('uncaughtException', onUncaught);
    expect(seen).toEqual([true]);
    expect(uncaught).toHaveLength(1);
  });

  it('signs in, restores a session from the cookie, and signs out', async () => {
    const api = fakeApi((request) =>
      new URL(request.url).pathname === '/api/me' ? json(200, USER) : new Response(null, { status: 204 }),
    );
    const client = createLiftoffClient({ baseUrl: BASE, fetch: api.fetch, now: api.now, coordinateTabs: false });
    const states: boolean[] = [];
    client.auth.onChange((state) => states.push(state.signedIn));
    expect(await client.auth.restore()).toEqual(USER);
    expect(client.auth.state).toEqual({ signedIn: true, user: USER, organization: null });
    await client.auth.signOut();
    expect(client.auth.state.signedIn).toBe(false);
    expect(states).toEqual([true, false]); // told once, with the user, then once on sign-out
    expect(api.requests.find((r) => new URL(r.url).pathname === '/api/auth/logout')?.credentials).toBe('include');
  });

  it('calls the organization routes, and throws their error answers as LiftoffError', async () => {
    const member = { user_id: 'u1', email: USER.email, name: null, role: 'owner', joined_at: ORG.created_at };
    const api = fakeApi((request) => {
      const { pathname } = new URL(request.url);
      if (pathname === '/api/orgs' && request.method === 'GET') return json(200, { organizations: [ORG] });
      if (pathname === '/api/orgs/o1/members') return json(200, { members: [member], next_cursor: null });
      if (pathname === '/api/orgs/o1/invitations') return apiError(409, 'ALREADY_MEMBER');
      if (pathname === '/api/orgs/invitations/accept') return apiError(403, 'INVITATION_EMAIL_MISMATCH');
      return apiError(404, 'NOT_FOUND');
    });
    const client = await signedInClient(api);
    expect(await client.orgs.list()).toEqual([ORG]);
    expect(await client.orgs.members('o1', { cursor: 'c1', limit: 10 })).toEqual({
      members: [member],
      next_cursor: null,
    });
    expect(api.requests.at(-1)!.url).toBe(`${BASE}/api/orgs/o1/members?cursor=c1&limit=10`);
    const error = await client.orgs.invite('o1', { email: 'bob@example.com', role: 'admin' }).catch((e: unknown) => e);
    expect(isLiftoffError(error, 'ALREADY_MEMBER')).toBe(true);
    expect(error).toMatchObject({ status: 409, requestId: 'req-1' });
    const invite = api.requests.at(-1)!;
    expect([invite.method, await invite.text()]).toEqual(['POST', '{"email":"bob@example.com","role":"admin"}']);
    await expect(client.orgs.acceptInvitation('id.secret')).rejects.toMatchObject({
      name: 'LiftoffError',
      status: 403,
      code: 'INVITATION_EMAIL_MISMATCH',
    });
    await expect(client.orgs.get('nope')).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('activate replaces the access token: later calls carry the org claims, a refresh keeps them, deactivate drops them', async () => {
    const api = fakeApi((request) => json(200, { path: new URL(request.url).pathname }));
    const client = await signedInClient(api);
    const seen: (string | null)[] = [];
    client.auth.onChange((state) => seen.push(state.organization?.id ?? null));
    const authorization = () => api.requests.at(-1)!.headers.get('Authorization');

    expect(await client.orgs.activate('o1')).toEqual(ORG);
    expect(client.auth.state.organization).toEqual({ id: 'o1', role: 'admin' });
    await client.api.GET('/api/examples/org-admin');
    expect(authorization()).toBe(`Bearer ${jwt(1, 'o1')}`);
    expect(await client.auth.getAccessToken()).toBe(jwt(1, 'o1'));

    // The API's session remembers the choice: the next refresh's token has the claims too.
    api.advance(900_000);
    await client.api.GET('/api/me');
    expect(api.refreshes()).toBe(1);
    expect(authorization()).toBe(`Bearer ${jwt(2, 'o1')}`);
    expect(client.auth.state.organization).toEqual({ id: 'o1', role: 'admin' });

    await client.orgs.deactivate();
    expect(client.auth.state).toEqual({ signedIn: true, user: USER, organization: null });
    await client.api.GET('/api/me');
    expect(authorization()).toBe('Bearer t3');
    // Told at each switch, not at the refresh that kept the organization.
    expect(seen).toEqual(['o1', null]);
  });

  it('keeps the activated token when a refresh that left before the switch answers after it', async () => {
    let answerRefresh!: () => void;
    const refreshHeld = new Promise<void>((resolve) => (answerRefresh = resolve));
    const tokens = (access_token: string) => ({ access_token, token_type: 'Bearer', expires_in: 900 });
    const requests: Request[] = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      requests.push(request);
      const { pathname } = new URL(request.url);
      if (pathname === '/api/auth/login') return json(200, { ...tokens('t0'), user: USER });
      // Read by the API before the switch, so without org claims; its answer arrives after it.
      if (pathname === '/api/auth/refresh') return refreshHeld.then(() => json(200, tokens('t1')));
      if (pathname === '/api/orgs/o1/activate') return json(200, { ...tokens(jwt(2, 'o1')), organization: ORG });
      return json(200, USER);
    };
    const client = createLiftoffClient({
      baseUrl: BASE,
      fetch: fetch as typeof globalThis.fetch,
      coordinateTabs: false,
    });
    await client.auth.signIn({ email: USER.email, password: 'pw' });
    const restoring = client.auth.restore();
    await client.orgs.activate('o1');
    answerRefresh();
    expect(await restoring).toEqual(USER);
    expect(client.auth.state.organization).toEqual({ id: 'o1', role: 'admin' });
    await client.api.GET('/api/me');
    expect(requests.at(-1)!.headers.get('Authorization')).toBe(`Bearer ${jwt(2, 'o1')}`);
  });

  it('gives the other tabs the activated token at once (BroadcastChannel), without a refresh of theirs', async () => {
    const api = fakeApi(() => json(200, {}));
    const tab = () =>
      createLiftoffClient({ baseUrl: 'https://org-tabs.test', fetch: api.fetch, now: api.now, coordinateTabs: true });
    const [tabA, tabB] = [tab(), tab()];
    await tabA.auth.signIn({ email: USER.email, password: 'pw' });
    await expect.poll(() => tabB.auth.state.signedIn).toBe(true);
    const seenByB: (string | null)[] = [];
    tabB.auth.onChange((state) => seenByB.push(state.organization?.id ?? null));
    await tabA.orgs.activate('o1');
    await expect.poll(() => tabB.auth.state.organization).toEqual({ id: 'o1', role: 'admin' });
    await tabB.api.GET('/api/me');
    expect(api.requests.at(-1)!.headers.get('Authorization')).toBe(`Bearer ${jwt(1, 'o1')}`);
    await tabA.orgs.deactivate();
    await expect.poll(() => tabB.auth.state.organization).toBeNull();
    expect(seenByB).toEqual(['o1', null]);
    expect(api.refreshes()).toBe(0);
    tabA.close();
    tabB.close();
  });

  it("calls the API-key routes, and asks about a key with the key itself: never the session's token", async () => {
    const KEY = {
      id: 'k1',
      name: 'Export',
      start: 'lk_test_AbCd',
      last4: 'WxYz',
      owner: { type: 'organization', id: 'o1' },
      scopes: ['read'],
      rate_limit_per_minute: 600,
      status: 'active',
      expires_at: null,
      created_at: ORG.created_at,
      created_by: 'u1',
      last_used_at: null,
      revoked_at: null,
    };
    const SECRET = 'lk_test_secret';
    const requests: Request[] = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      requests.push(request);
      const { pathname } = new URL(request.url);
      const route = `${request.method} ${pathname}`;
      const authorization = request.headers.get('Authorization');
      if (route === 'POST /api/auth/login') {
        return json(200, { access_token: 't0', token_type: 'Bearer', expires_in: 900, user: USER });
      }
      if (route === 'GET /api/api-keys/self') {
        return authorization === `Bearer ${SECRET}`
          ? json(200, { ...KEY, rate_limit: { limit: 600, remaining: 599, reset_at: ORG.created_at } })
          : apiError(401, 'API_KEY_REVOKED');
      }
      if (authorization !== 'Bearer t0') return apiError(401, 'AUTH_HEADER_MISSING');
      if (route === 'GET /api/orgs/o1/api-keys') return json(200, { api_keys: [KEY] });
      if (route === 'POST /api/orgs/o1/api-keys') return json(201, { ...KEY, key: SECRET });
      if (route === 'DELETE /api/orgs/o1/api-keys/k1') return json(200, { ...KEY, status: 'revoked' });
      if (route === 'GET /api/me/api-keys') return json(200, { api_keys: [] });
      if (route === 'POST /api/me/api-keys') return apiError(403, 'STEP_UP_REQUIRED');
      return apiError(404, 'NOT_FOUND');
    };
    const client = createLiftoffClient({
      baseUrl: BASE,
      fetch: fetch as typeof globalThis.fetch,
      coordinateTabs: false,
    });

    // Signed out: the key alone.
    expect(await client.apiKeys.self(SECRET)).toMatchObject({ id: 'k1', rate_limit: { remaining: 599 } });
    await client.auth.signIn({ email: USER.email, password: 'pw' });
    // Signed in: still the key, not the access token.
    expect((await client.apiKeys.self(SECRET)).id).toBe('k1');
    expect(requests.at(-1)!.headers.get('Authorization')).toBe(`Bearer ${SECRET}`);
    await expect(client.apiKeys.self('lk_test_other')).rejects.toMatchObject({
      name: 'LiftoffError',
      status: 401,
      code: 'API_KEY_REVOKED',
    });
    expect(client.auth.state.signedIn).toBe(true);

    const orgKeys = client.apiKeys.forOrg('o1');
    expect(await orgKeys.list()).toEqual([KEY]);
    expect(await orgKeys.create({ name: 'Export', scopes: ['read'] })).toEqual({ ...KEY, key: SECRET });
    expect(await requests.at(-1)!.text()).toBe('{"name":"Export","scopes":["read"]}');
    expect((await orgKeys.revoke('k1')).status).toBe('revoked');
    expect(await client.apiKeys.list()).toEqual([]);
    const error = await client.apiKeys.create({ name: 'Mine', scopes: ['write'] }).catch((e: unknown) => e);
    expect(isLiftoffError(error, 'STEP_UP_REQUIRED')).toBe(true);
    await expect(client.apiKeys.revoke('k1')).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(requests.map((r) => `${r.method} ${new URL(r.url).pathname}`).slice(-6)).toEqual([
      'GET /api/orgs/o1/api-keys',
      'POST /api/orgs/o1/api-keys',
      'DELETE /api/orgs/o1/api-keys/k1',
      'GET /api/me/api-keys',
      'POST /api/me/api-keys',
      'DELETE /api/me/api-keys/k1',
    ]);
  });

  it('drops the claims of an organization it leaves while it is the active one', async () => {
    const api = fakeApi(() => new Response(null, { status: 204 }));
    const client = await signedInClient(api);
    await client.orgs.activate('o1');
    await client.orgs.leave('o1');
    expect(client.auth.state.organization).toBeNull();
    expect(api.requests.map((r) => new URL(r.url).pathname).slice(-2)).toEqual([
      '/api/orgs/o1/leave',
      '/api/orgs/deactivate',
    ]);
  });
});
