// panva's certified OpenID Provider (npm `oidc-provider`), run in Node on loopback by
// test/support/global-setup.ts: the generic `oidc` sign-in against a real, strict implementation.
//
// Each instance has its own port (and so its own issuer), the clients of ./oidc-provider-clients.ts,
// PKCE required, and minimal interaction handlers instead of HTML pages: a test logs in and consents
// by POSTing the account (sub and claims) to the interaction URL the provider redirects to
// (test/support/oidc-provider.ts drives that). Control endpoints sit under `<issuer>/__fake/`, a path
// the provider does not use:
//   GET|POST <issuer>/__fake/interaction/:uid   the interaction (POST {sub, email?, email_verified?,
//                                                 name?, deny?}: logs in and grants the requested scopes)
//   POST <issuer>/__fake/rotate-keys             new signing keys (new kids) first; {keep_old: false} drops the old
//   POST <issuer>/__fake/move-token-endpoint     discovery names {path} (default /token-v2) as token_endpoint,
//                                                 which is routed to the real one; the old path answers 404
//   GET  <issuer>/__fake/requests                the requests the provider received (method, path, query,
//                                                 authorization scheme), oldest first
// The two that change an instance are refused (409) on the shared instances the suite starts with:
// a test that needs them asks the control server for an instance of its own:
//   POST <control>/__fake/providers {par?, claimsInIdToken?, trailingSlash?, path?, authMethods?} → {issuer}
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { KoaContext, Provider as ProviderType } from 'oidc-provider';
import {
  OIDCP_CLIENTS,
  OIDCP_ID_TOKEN_ALGS,
  OIDCP_REDIRECT_URI,
  type OidcpAccount,
  type OidcpInstanceOptions,
  type OidcpRequestRecord,
} from './oidc-provider-clients';

type ProviderClass = typeof ProviderType;

/**
 * oidc-provider warns at import on Node 20 ("Unsupported runtime", it targets Node 22+: it runs fine
 * here). That one line is dropped; everything else it says (server errors) still shows.
 */
let providerClass: Promise<ProviderClass> | undefined;
function loadProvider(): Promise<ProviderClass> {
  providerClass ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return;
      warn(...args);
    };
    try {
      return (await import('oidc-provider')).default;
    } finally {
      console.warn = warn;
    }
  })();
  return providerClass;
}

// Accounts by sub, as the last login of that sub described them (shared by every instance).
const accounts = new Map<string, Omit<OidcpAccount, 'sub'>>();

/** oidc-provider's adapter contract over a Map, with expiry; kept across key rotations (a new Provider). */
function memoryAdapter() {
  const store = new Map<string, { payload: Record<string, unknown>; expiresAt: number }>();
  const live = (key: string) => {
    const entry = store.get(key);
    if (entry && entry.expiresAt <= Date.now()) store.delete(key);
    return store.get(key)?.payload;
  };
  return (model: string) => ({
    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
      store.set(`${model}:${id}`, {
        payload,
        expiresAt: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity,
      });
    },
    async find(id: string) {
      return live(`${model}:${id}`);
    },
    async findByUid(uid: string) {
      for (const key of store.keys()) {
        const payload = key.startsWith(`${model}:`) ? live(key) : undefined;
        if (payload?.uid === uid) return payload;
      }
      return undefined;
    },
    async findByUserCode() {
      return undefined;
    },
    async consume(id: string) {
      const payload = live(`${model}:${id}`);
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    },
    async destroy(id: string) {
      store.delete(`${model}:${id}`);
    },
    async revokeByGrantId(grantId: string) {
      for (const [key, entry] of store) if (entry.payload.grantId === grantId) store.delete(key);
    },
  });
}

/** Private signing keys: one RSA (RS256, PS256/384/512), one per EC curve, one Ed25519; kids end in the generation. */
async function signingKeys(generation: number): Promise<JWK[]> {
  const make = async (alg: string, kid: string, options = {}) => {
    const { privateKey } = await generateKeyPair(alg, { extractable: true, ...options });
    // No `alg` on the keys, so that the RSA key serves RS256 and every PS* (and EdDSA/Ed25519 share one).
    return { ...(await exportJWK(privateKey)), kid: `${kid}-${generation}`, use: 'sig' };
  };
  return Promise.all([
    make('RS256', 'rsa', { modulusLength: 2048 }),
    make('ES256', 'p256'),
    make('ES384', 'p384'),
    make('ES512', 'p521'),
    make('Ed25519', 'ed25519'),
  ]);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export interface OidcpInstance {
  issuer: string;
  server: Server;
}

interface InstanceState {
  issuer: string;
  prefix: string;
  options: OidcpInstanceOptions;
  shared: boolean;
  keys: JWK[];
  generation: number;
  movedTokenPath: string | null;
  requests: OidcpRequestRecord[];
  provider: ProviderType;
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

// One cookie-signing key for every instance and generation, so a rotation keeps the browser's session.
const cookieKeys = [randomBytes(32).toString('base64url')];

async function buildProvider(state: Omit<InstanceState, 'provider' | 'handle'>, adapter: unknown) {
  const Provider = await loadProvider();
  const authMethods = state.options.authMethods;
  const provider = new Provider(state.issuer, {
    clients: Object.values(OIDCP_CLIENTS)
      .filter((client) => !authMethods || authMethods.includes(client.token_endpoint_auth_method))
      .map((client) => ({
        ...client,
        redirect_uris: [OIDCP_REDIRECT_URI],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      })),
    // What discovery's token_endpoint_auth_methods_supported lists.
    ...(authMethods ? { clientAuthMethods: authMethods } : {}),
    jwks: { keys: state.keys },
    adapter,
    async findAccount(_ctx: unknown, id: string) {
      const claims = accounts.get(id);
      if (!claims) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    // true is oidc-provider's default: claims requested by scope go to userinfo only, not the ID token.
    conformIdTokenClaims: !state.options.claimsInIdToken,
    cookies: { keys: cookieKeys },
    enabledJWA: { idTokenSigningAlgValues: [...OIDCP_ID_TOKEN_ALGS] },
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: Boolean(state.options.par) },
    },
    pkce: { required: () => true },
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `${state.prefix}/__fake/interaction/${interaction.uid}`,
    },
    // Errors the provider renders itself (not redirected to the client) as JSON, for a test to read.
    async renderError(ctx: KoaContext, out: Record<string, unknown>) {
      ctx.type = 'json';
      ctx.body = out;
    },
    clientBasedCORS: () => false,
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 600,
      ClientCredentials: 600,
      Grant: 3600,
      IdToken: 3600,
      Interaction: 600,
      RefreshToken: 86_400,
      Session: 3600,
    },
  });
  provider.on('server_error', (_ctx, err) => console.error(`oidc-provider ${state.issuer} server_error:`, err));
  return provider;
}

const instances = new Set<OidcpInstance>();

/**
 * One provider on its own loopback port; `shared` instances refuse the control endpoints that change
 * them. The port is open at once, but oidc-provider is loaded (~0.4 s) and the keys made on the first
 * request, so a run that signs in with no instance pays nothing for them.
 */
export async function startOidcProviderInstance(
  options: OidcpInstanceOptions = {},
  shared = false,
  keys?: () => Promise<JWK[]>,
): Promise<OidcpInstance> {
  const prefix = (options.path ?? '').replace(/\/+$/, '');
  if (prefix && !/^(\/[\w.-]+)+$/.test(prefix)) throw new Error(`bad instance path ${JSON.stringify(options.path)}`);
  const adapter = memoryAdapter();
  let state: Promise<InstanceState> | undefined;
  const server = createServer((req, res) => {
    state ??= (async () => {
      const base = {
        issuer,
        prefix,
        options,
        shared,
        keys: await (keys ?? (() => signingKeys(1)))(),
        generation: 1,
        movedTokenPath: null,
        requests: [],
      };
      const provider = await buildProvider(base, adapter);
      return { ...base, provider, handle: provider.callback() };
    })();
    state
      .then((ready) => handle(ready, adapter, req, res))
      .catch((err) => {
        console.error('oidc-provider fake:', err);
        if (!res.headersSent) json(res, 500, { error: 'fake_error', error_description: String(err) });
      });
  });
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}${prefix}${options.trailingSlash ? '/' : ''}`;
  const instance = { issuer, server };
  instances.add(instance);
  return instance;
}

async function handle(
  state: InstanceState,
  adapter: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  let path = url.pathname;
  if (state.prefix) {
    if (path !== state.prefix && !path.startsWith(`${state.prefix}/`)) return json(res, 404, { error: 'not_found' });
    path = path.slice(state.prefix.length) || '/';
  }
  if (path.startsWith('/__fake/')) return control(state, adapter, path, req, res);
  state.requests.push({
    method: req.method ?? 'GET',
    path,
    query: Object.fromEntries(url.searchParams),
    authorization: /^(\S+)\s/.exec(req.headers.authorization ?? '')?.[1]?.toLowerCase() ?? null,
  });
  // oidc-provider takes a secret by Basic or in the body whichever the client registered; a provider
  // that holds a client_secret_post client to it (as many do) refuses Basic credentials for it.
  const basicClientId = basicAuthClientId(req.headers.authorization);
  if (basicClientId !== null && registeredAuthMethod(basicClientId) === 'client_secret_post') {
    return json(res, 401, {
      error: 'invalid_client',
      error_description: 'client authentication failed (this client is registered for client_secret_post)',
    });
  }
  if (state.movedTokenPath !== null) {
    if (path === '/token') return json(res, 404, { error: 'not_found' });
    if (path === state.movedTokenPath) path = '/token';
    // Discovery names the moved endpoint: the provider's own document, fetched from itself, rewritten.
    if (path === '/.well-known/openid-configuration' && req.headers['x-fake-raw'] === undefined) {
      const discoveryUrl = `${state.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
      const document = (await (await fetch(discoveryUrl, { headers: { 'x-fake-raw': '1' } })).json()) as object;
      const tokenEndpoint = `${state.issuer.replace(/\/$/, '')}${state.movedTokenPath}`;
      return json(res, 200, { ...document, token_endpoint: tokenEndpoint });
    }
  }
  // Mounted below a path: what express does (oidc-provider reads the mount path from originalUrl).
  if (state.prefix)
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = `${state.prefix}${path}${url.search}`;
  req.url = `${path}${url.search}`;
  await state.handle(req, res);
}

/** The client id in a Basic Authorization header (form-urlencoded, RFC 6749 §2.3.1), or null. */
function basicAuthClientId(header: string | undefined): string | null {
  const credentials = /^Basic\s+(\S+)$/i.exec(header ?? '')?.[1];
  if (!credentials) return null;
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  try {
    return decodeURIComponent((colon === -1 ? decoded : decoded.slice(0, colon)).replace(/\+/g, '%20'));
  } catch {
    return null;
  }
}

function registeredAuthMethod(clientId: string): string | undefined {
  return Object.values(OIDCP_CLIENTS).find((client) => client.client_id === clientId)?.token_endpoint_auth_method;
}

async function control(
  state: InstanceState,
  adapter: unknown,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const interaction = /^\/__fake\/interaction\/([\w-]+)$/.exec(path);
  if (interaction) return interact(state.provider, req, res);
  if (req.method === 'GET' && path === '/__fake/requests') return json(res, 200, state.requests);
  const body = req.method === 'POST' ? (await readBody(req)) || '{}' : '{}';
  const input = JSON.parse(body) as { keep_old?: boolean; path?: string };
  if (req.method === 'POST' && (path === '/__fake/rotate-keys' || path === '/__fake/move-token-endpoint')) {
    if (state.shared) {
      return json(res, 409, {
        error: 'shared_instance',
        error_description: 'this instance is shared by the suite: POST <control>/__fake/providers for one of your own',
      });
    }
    if (path === '/__fake/rotate-keys') {
      state.generation += 1;
      const fresh = await signingKeys(state.generation);
      state.keys = input.keep_old === false ? fresh : [...fresh, ...state.keys];
      // The keystore is fixed at construction: a new Provider with the same adapter and cookie keys.
      state.provider = await buildProvider(state, adapter);
      state.handle = state.provider.callback();
      return json(res, 200, { kids: state.keys.map((key) => key.kid) });
    }
    const moved = input.path ?? '/token-v2';
    if (!/^(\/[\w.-]+)+$/.test(moved) || moved === '/token') return json(res, 400, { error: 'bad path' });
    state.movedTokenPath = moved;
    return json(res, 200, { token_endpoint: `${state.issuer.replace(/\/$/, '')}${moved}` });
  }
  json(res, 404, { error: 'not_found' });
}

/**
 * The interaction: GET describes it; POST {sub, email?, email_verified?, name?} logs that account in
 * and grants every scope and claim asked for, in one step; POST {deny: true} refuses (access_denied).
 */
async function interact(provider: ProviderType, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    return json(res, 200, { uid: details.uid, prompt: details.prompt, params: details.params });
  }
  if (req.method !== 'POST') return json(res, 405, { error: 'method_not_allowed' });
  const input = JSON.parse((await readBody(req)) || '{}') as OidcpAccount & { deny?: boolean };
  if (input.deny) {
    return provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'End-User aborted interaction' },
      { mergeWithLastSubmission: false },
    );
  }
  const accountId = input.sub ?? details.session?.accountId;
  if (typeof accountId !== 'string' || accountId === '') return json(res, 400, { error: 'sub required' });
  if (input.sub !== undefined) {
    const { sub: _sub, deny: _deny, ...claims } = input;
    accounts.set(accountId, claims);
  }
  const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  if (typeof details.params.scope === 'string') grant.addOIDCScope(details.params.scope);
  const missingClaims = details.prompt.details.missingOIDCClaims;
  if (Array.isArray(missingClaims)) grant.addOIDCClaims(missingClaims as string[]);
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

/** The control server: fresh instances on demand, for tests that change one (keys, endpoints). */
export async function startOidcProviderControl(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      if (req.method === 'POST' && url.pathname === '/__fake/providers') {
        const options = JSON.parse((await readBody(req)) || '{}') as OidcpInstanceOptions;
        const instance = await startOidcProviderInstance(options);
        return json(res, 201, { issuer: instance.issuer });
      }
      json(res, 404, { error: 'not_found' });
    })().catch((err) => {
      console.error('oidc-provider control:', err);
      if (!res.headersSent) json(res, 500, { error: 'fake_error', error_description: String(err) });
    });
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, server };
}

export interface OidcProviderFakes {
  /** Default settings: claims of the email and profile scopes in userinfo only. */
  issuer: string;
  /** Pushed Authorization Requests required. */
  parIssuer: string;
  /** conformIdTokenClaims: false: the email and profile claims are in the ID token too. */
  claimsIssuer: string;
  /** The issuer ends with `/`. */
  slashIssuer: string;
  /** Where to ask for fresh instances. */
  controlUrl: string;
  close(): Promise<void>;
}

/** The shared instances (one set of start-up keys between them, made when first needed) and the control server. */
export async function startOidcProviderFakes(): Promise<OidcProviderFakes> {
  let keys: Promise<JWK[]> | undefined;
  const sharedKeys = () => (keys ??= signingKeys(1));
  const [main, par, claims, slash, control] = await Promise.all([
    startOidcProviderInstance({}, true, sharedKeys),
    startOidcProviderInstance({ par: true }, true, sharedKeys),
    startOidcProviderInstance({ claimsInIdToken: true }, true, sharedKeys),
    startOidcProviderInstance({ trailingSlash: true }, true, sharedKeys),
    startOidcProviderControl(),
  ]);
  return {
    issuer: main.issuer,
    parIssuer: par.issuer,
    claimsIssuer: claims.issuer,
    slashIssuer: slash.issuer,
    controlUrl: control.url,
    async close() {
      const close = (server: Server) =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        });
      await Promise.all([close(control.server), ...[...instances].map((instance) => close(instance.server))]);
      instances.clear();
    },
  };
}
