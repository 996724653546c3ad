// examples/python/: a FastAPI service and a Flask service, run by Debian's python3 as real HTTP servers,
// verify a running Liftoff's access tokens through its JWKS. They must answer exactly as Liftoff does
// (same status, code and WWW-Authenticate) for every bad header and token, follow a key rotation, say
// 503 (not "invalid token") when the keys cannot be had, and explain HS256 mode.
//
// The services fetch the JWKS through a small proxy here, one path per service, so the test can count
// their fetches (the refetch rate limit, the cache, the backoff), take Liftoff's keys "down", make them
// slow, and slip keys PyJWT cannot read into the set.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { importJWK, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalWorker } from '../../scripts/lib/local-worker';
import { generateSigningKey, type PrivateSigningJwk } from '../../scripts/lib/signing-keys.mjs';
import { freePort } from '../../scripts/lib/free-port';
import { signInOverHttp } from './accounts';

const PYTHON = process.env.DEBIAN_PYTHON ?? '/usr/bin/python3';
const EXAMPLE_DIR = new URL('../../examples/python/', import.meta.url).pathname;
// Short on purpose (defaults: 300 s and 30 s), so the test can wait them out; set through the env
// variables examples/python/README.md documents.
const CACHE_SECONDS = 3;
const COOLDOWN_SECONDS = 2;

type ServiceName = 'fastapi' | 'flask';
interface Service {
  name: ServiceName;
  url: string;
  child: ChildProcess;
  output: () => string;
}

let api: string;
let worker: Awaited<ReturnType<typeof startLocalWorker>>;
let persistDir: string;
let proxy: Server;
let proxyUrl: string;
let jwksDown = false;
let jwksDelayMs = 0; // a slow JWKS
let jwksExtraKeys: unknown[] = []; // listed before Liftoff's own keys
const jwksFetches: { service: string; at: number }[] = [];
const services: Service[] = [];

const keyA = await generateSigningKey('ES256');
const keyB = await generateSigningKey('EdDSA');
const foreignKey = await generateSigningKey('ES256'); // never given to Liftoff

const settings = (jwt: Record<string, string>) => ({
  APP_ENV: 'test',
  APP_URL: 'http://app.localhost',
  API_URL: api,
  EMAIL_PROVIDER: 'log',
  ...jwt,
});
const withKeys = (keys: PrivateSigningJwk[]) => settings({ JWT_SIGNING_KEYS: JSON.stringify({ keys }) });

/** The JWKS, as Liftoff serves it, at /<service>/.well-known/jwks.json; counts each service's fetches. */
function startJwksProxy(): Promise<Server> {
  const server = createServer((req, res) => {
    const service = /^\/(\w+)\/\.well-known\/jwks\.json$/.exec(req.url ?? '')?.[1];
    if (!service) return void res.writeHead(404).end();
    jwksFetches.push({ service, at: Date.now() });
    if (jwksDown) return void req.socket.destroy();
    const extraKeys = jwksExtraKeys;
    sleep(jwksDelayMs)
      .then(() => fetch(`${api}/.well-known/jwks.json`))
      .then(async (upstream) => {
        let body = await upstream.text();
        if (extraKeys.length > 0) {
          const jwks = JSON.parse(body) as { keys: unknown[] };
          body = JSON.stringify({ keys: [...extraKeys, ...jwks.keys] });
        }
        res.writeHead(upstream.status, { 'Content-Type': 'application/json' }).end(body);
      })
      .catch(() => req.socket.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const fetchesSince = (service: ServiceName, since: number) =>
  jwksFetches.filter((f) => f.service === service && f.at >= since).length;

/** Starts one example with Debian's python3; throws with its output when it does not come up. */
async function startService(name: ServiceName): Promise<Service> {
  const port = await freePort();
  const args =
    name === 'fastapi'
      ? ['-m', 'uvicorn', 'fastapi_app:app', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warning']
      : ['-m', 'flask', '--app', 'flask_app', 'run', '--host', '127.0.0.1', '--port', String(port)];
  const child = spawn(PYTHON, args, {
    cwd: EXAMPLE_DIR,
    env: {
      ...process.env,
      // Debian's python3 with Debian's packages only, whatever Python setup the machine has.
      PYTHONPATH: undefined,
      PYTHONHOME: undefined,
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONUNBUFFERED: '1',
      LIFTOFF_API_URL: api,
      LIFTOFF_JWKS_URL: `${proxyUrl}/${name}/.well-known/jwks.json`,
      LIFTOFF_JWKS_CACHE_SECONDS: String(CACHE_SECONDS),
      LIFTOFF_JWKS_REFETCH_COOLDOWN_SECONDS: String(COOLDOWN_SECONDS),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const service = { name, url: `http://127.0.0.1:${port}`, child, output: () => output };
  services.push(service); // registered first, so afterAll stops it even if it never gets ready
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before serving:\n${output}`);
    }
    const ready = await fetch(`${service.url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return service;
    await sleep(100);
  }
  throw new Error(`${name} did not answer /healthz within 30 s:\n${output}`);
}

async function stopService({ child }: Service) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function call(url: string, authorization?: string) {
  const response = await fetch(url, { headers: authorization === undefined ? {} : { Authorization: authorization } });
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { unparsed: text };
  }
  return { status: response.status, body, headers: response.headers };
}
const callService = (service: Service, authorization?: string) => call(`${service.url}/me`, authorization);
const callLiftoff = (authorization?: string) => call(`${api}/api/me`, authorization);

/** Fails with the service's own output, which is where a Python traceback would be. */
function expectAnswer(service: Service, actual: { status: number; body: unknown }, status: number, code?: string) {
  const context = `${service.name} answered ${JSON.stringify(actual)}; its output:\n${service.output()}`;
  expect(actual.status, context).toBe(status);
  if (code) expect((actual.body as { code?: string }).code, context).toBe(code);
}

const signIn = (email: string, register = false) => signInOverHttp(api, email, { register });

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decodePart = (token: string, index: 0 | 1) =>
  JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString()) as Record<string, unknown>;

/** A token as Liftoff would mint it, signed by `key`, with any header or claim overridden. */
async function mint(
  key: PrivateSigningJwk,
  claims: JWTPayload = {},
  header: Record<string, unknown> = {},
  options: { crit?: Record<string, boolean> } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = {
    sub: 'user-1',
    sid: 'session-1',
    role: 'user',
    iss: api,
    aud: api,
    iat: now,
    exp: now + 600,
    jti: randomBytes(16).toString('base64url'),
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, typ: 'at+jwt', kid: key.kid, ...header })
    .sign(await importJWK(key, key.alg), options);
}

beforeAll(async () => {
  api = `http://127.0.0.1:${await freePort()}`;
  persistDir = mkdtempSync(join(tmpdir(), 'liftoff-d1-'));
  worker = await startLocalWorker(inject('bundleDir'), withKeys([keyA]), {
    port: Number(new URL(api).port),
    persistDir,
  });
  proxy = await startJwksProxy();
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  await startService('fastapi');
  await startService('flask');
});

afterAll(async () => {
  // Each step on its own, so one failing never leaves a Python server running.
  await Promise.allSettled(services.map(stopService));
  await Promise.allSettled([worker?.mf.dispose(), proxy && new Promise((resolve) => proxy.close(resolve))]);
  if (persistDir) rmSync(persistDir, { recursive: true, force: true });
});

describe('Python services verify Liftoff tokens through the JWKS (examples/python/)', () => {
  let tokenA: string;
  let email: string;

  it('lets a valid token through and gives the handler the user id, session id and role', async () => {
    email = `python-${Date.now()}@example.com`;
    const { access_token, user } = await signIn(email, true);
    tokenA = access_token;
    const sid = decodePart(tokenA, 1).sid;
    expect(typeof sid).toBe('string');
    for (const service of services) {
      const answer = await callService(service, `Bearer ${tokenA}`);
      expectAnswer(service, answer, 200);
      expect(answer.body).toEqual({
        user_id: user.id,
        session_id: sid,
        role: 'user',
        org_id: null,
        org_role: null,
        aal: 'aal1',
      });
      // Liftoff's own parsing rules: scheme case-insensitive, several spaces, surrounding whitespace.
      expectAnswer(service, await callService(service, `  bearer   ${tokenA} `), 200);
    }
  });

  it("gives the handler the session's active organization (org_id, org_role) from a token minted by activate", async () => {
    const { access_token } = await signIn(`python-org-${Date.now()}@example.com`, true);
    const headers = { Authorization: `Bearer ${access_token}`, 'Content-Type': 'application/json' };
    const created = await fetch(`${api}/api/orgs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Py Co' }),
    });
    const org = (await created.json()) as { id: string };
    const activated = await fetch(`${api}/api/orgs/${org.id}/activate`, { method: 'POST', headers });
    const { access_token: orgToken } = (await activated.json()) as { access_token: string };
    for (const service of services) {
      const answer = await callService(service, `Bearer ${orgToken}`);
      expectAnswer(service, answer, 200);
      expect(answer.body).toMatchObject({ org_id: org.id, org_role: 'owner' });
    }
  });

  it('tells the handler whether the session proved a second factor (amr, as Liftoff mints it)', async () => {
    for (const [amr, aal] of [
      [['pwd', 'otp'], 'aal2'],
      [['hwk'], 'aal2'],
      [['oauth'], 'aal1'],
    ] as const) {
      const token = await mint(keyA, { amr, auth_time: Math.floor(Date.now() / 1000) });
      for (const service of services) {
        const answer = await callService(service, `Bearer ${token}`);
        expectAnswer(service, answer, 200);
        expect(answer.body).toMatchObject({ aal });
      }
    }
  });

  it('refuses a missing or malformed Authorization header exactly as Liftoff does', async () => {
    const cases: [string | undefined, string][] = [
      [undefined, 'AUTH_HEADER_MISSING'],
      ['   ', 'AUTH_HEADER_MISSING'],
      [`Basic ${Buffer.from('a:b').toString('base64')}`, 'AUTH_HEADER_MALFORMED'],
      ['Bearer', 'AUTH_HEADER_MALFORMED'],
      [`Bearer ${tokenA} extra`, 'AUTH_HEADER_MALFORMED'],
      [`Token ${tokenA}`, 'AUTH_HEADER_MALFORMED'],
    ];
    for (const [header, code] of cases) {
      const liftoff = await callLiftoff(header);
      expect(liftoff.body.code, `Liftoff for ${header}`).toBe(code);
      for (const service of services) {
        const answer = await callService(service, header);
        expectAnswer(service, answer, 401, code);
        expect(answer.body).toEqual(liftoff.body);
        expect(answer.headers.get('www-authenticate')).toBe(liftoff.headers.get('www-authenticate'));
      }
    }
  });

  it('refuses every bad token with the same 401 code and challenge as Liftoff, never a 500', async () => {
    const now = Math.floor(Date.now() / 1000);
    const [header, payload, signature] = tokenA.split('.') as [string, string, string];
    const publicA = { kty: keyA.kty, crv: keyA.crv, x: keyA.x, y: keyA.y, kid: keyA.kid, alg: keyA.alg, use: 'sig' };
    const hs256WithPublicKey = await new SignJWT({ ...decodePart(tokenA, 1) })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: keyA.kid })
      .sign(new TextEncoder().encode(JSON.stringify(publicA)));
    const cases: [string, string, string][] = [
      [
        'tampered payload',
        `${header}.${b64({ ...decodePart(tokenA, 1), role: 'admin' })}.${signature}`,
        'TOKEN_INVALID',
      ],
      ['garbage', 'not-a-jwt', 'TOKEN_INVALID'],
      ['garbage base64', `${header}.%%%.${signature}`, 'TOKEN_INVALID'],
      ['header not JSON', `${Buffer.from('{oops').toString('base64url')}.${payload}.${signature}`, 'TOKEN_INVALID'],
      ['alg none', `${b64({ alg: 'none', typ: 'at+jwt', kid: keyA.kid })}.${payload}.`, 'TOKEN_INVALID'],
      ['HS256 signed with the public key', hs256WithPublicKey, 'TOKEN_INVALID'],
      ['expired', await mint(keyA, { iat: now - 1000, exp: now - 100 }), 'TOKEN_EXPIRED'],
      ['expired and from another key', await mint(foreignKey, { iat: now - 1000, exp: now - 100 }), 'TOKEN_INVALID'],
      ['wrong audience', await mint(keyA, { aud: 'https://other.example.com' }), 'TOKEN_INVALID'],
      ['wrong issuer', await mint(keyA, { iss: 'https://evil.example.com' }), 'TOKEN_INVALID'],
      ['wrong typ', await mint(keyA, {}, { typ: 'JWT' }), 'TOKEN_INVALID'],
      ['no sid', await mint(keyA, { sid: undefined }), 'TOKEN_INVALID'],
      ['no jti', await mint(keyA, { jti: undefined }), 'TOKEN_INVALID'],
      ['unknown role', await mint(keyA, { role: 'root' }), 'TOKEN_INVALID'],
      ['org_id without org_role', await mint(keyA, { org_id: 'org-1' }), 'TOKEN_INVALID'],
      ['unknown org_role', await mint(keyA, { org_id: 'org-1', org_role: 'boss' }), 'TOKEN_INVALID'],
      ['unknown amr value', await mint(keyA, { amr: ['pwd', 'magic'] }), 'TOKEN_INVALID'],
      ['auth_time not a number', await mint(keyA, { amr: ['pwd'], auth_time: 'now' }), 'TOKEN_INVALID'],
      ['another key, unknown kid', await mint(foreignKey), 'TOKEN_INVALID'],
      ['another key posing as the known kid', await mint(foreignKey, {}, { kid: keyA.kid }), 'TOKEN_INVALID'],
      ['no kid', await mint(keyA, {}, { kid: undefined }), 'TOKEN_INVALID'],
      [
        'alg that does not match the key',
        `${b64({ alg: 'EdDSA', typ: 'at+jwt', kid: keyA.kid })}.${payload}.${signature}`,
        'TOKEN_INVALID',
      ],
      [
        'crit header',
        await mint(keyA, {}, { crit: ['x-liftoff'], 'x-liftoff': 1 }, { crit: { 'x-liftoff': true } }),
        'TOKEN_INVALID',
      ],
    ];
    for (const [name, token, code] of cases) {
      const liftoff = await callLiftoff(`Bearer ${token}`);
      expect(liftoff.body.code, `Liftoff for ${name}`).toBe(code);
      for (const service of services) {
        const answer = await callService(service, `Bearer ${token}`);
        expectAnswer(service, answer, 401, code);
        expect(answer.body, `${service.name}: ${name}`).toEqual(liftoff.body);
        expect(answer.headers.get('www-authenticate'), `${service.name}: ${name}`).toBe(
          liftoff.headers.get('www-authenticate'),
        );
      }
    }
  });

  it('fetches the JWKS at most once per cooldown for made-up kids, not once per request', async () => {
    await sleep(COOLDOWN_SECONDS * 1000); // the previous test's unknown kids used the cooldown
    const tokens = await Promise.all(
      Array.from({ length: 30 }, () => mint(foreignKey, {}, { kid: randomBytes(9).toString('base64url') })),
    );
    for (const service of services) {
      const started = Date.now();
      const answers = await Promise.all(tokens.map((token) => callService(service, `Bearer ${token}`)));
      const elapsed = Date.now() - started;
      for (const answer of answers) expectAnswer(service, answer, 401, 'TOKEN_INVALID');
      // One refetch per cooldown, plus one fetch per expiry of the cached set: 30 without the limit.
      const allowed =
        2 + Math.floor(elapsed / (COOLDOWN_SECONDS * 1000)) + Math.floor(elapsed / (CACHE_SECONDS * 1000));
      expect(fetchesSince(service.name, started), `${service.name} in ${elapsed} ms`).toBeLessThanOrEqual(allowed);
    }
  });

  it('while the JWKS is down: keeps the last good keys one more cache time, fetches once per cooldown, then 503', async () => {
    // A known kid with a foreign signature: refused only after a look at the keys.
    const forged = await mint(foreignKey, {}, { kid: keyA.kid });
    await sleep(CACHE_SECONDS * 1000 + 500); // the cached sets expire; the next request fetches afresh
    const fetchedAt = Date.now();
    for (const service of services) expectAnswer(service, await callService(service, `Bearer ${tokenA}`), 200);
    for (const service of services) expect(fetchesSince(service.name, fetchedAt), service.name).toBe(1);
    jwksDown = true;
    try {
      // 1. The set has expired, the refetch fails: it is still used (the grace period lasts one more
      //    cache time), and the failure stops fetches for a cooldown instead of one per request.
      await sleep(fetchedAt + CACHE_SECONDS * 1000 + 500 - Date.now());
      let started = Date.now();
      await Promise.all(
        services.map(async (service) => {
          expectAnswer(service, await callService(service, `Bearer ${tokenA}`), 200);
          for (let i = 0; i < 20; i++) {
            expectAnswer(service, await callService(service, `Bearer ${forged}`), 401, 'TOKEN_INVALID');
          }
          expectAnswer(service, await callService(service, `Bearer ${tokenA}`), 200);
        }),
      );
      let allowed = 1 + Math.floor((Date.now() - started) / (COOLDOWN_SECONDS * 1000));
      for (const service of services) {
        expect(fetchesSince(service.name, started), service.name).toBeGreaterThanOrEqual(1);
        expect(fetchesSince(service.name, started), service.name).toBeLessThanOrEqual(allowed);
      }

      // 2. Past the grace period no key set is left: 503 JWKS_UNAVAILABLE (the token may be fine), still
      //    with one fetch per cooldown, not per request.
      await sleep(fetchedAt + 2 * CACHE_SECONDS * 1000 + 500 - Date.now());
      started = Date.now();
      await Promise.all(
        services.map(async (service) => {
          for (let i = 0; i < 20; i++) {
            const answer = await callService(service, `Bearer ${i % 2 ? forged : tokenA}`);
            expectAnswer(service, answer, 503, 'JWKS_UNAVAILABLE');
            expect(answer.headers.get('retry-after')).toBe('30');
            expect(answer.headers.get('www-authenticate')).toBeNull();
          }
        }),
      );
      allowed = 1 + Math.floor((Date.now() - started) / (COOLDOWN_SECONDS * 1000));
      for (const service of services) {
        expect(fetchesSince(service.name, started), service.name).toBeLessThanOrEqual(allowed);
      }
    } finally {
      jwksDown = false;
    }
  });

  it('fetches a slow JWKS once for concurrent requests, with or without an expired set to use meanwhile', async () => {
    const delay = 1_500; // under the services' 5 s fetch timeout
    jwksDelayMs = delay;
    try {
      // 1. No usable set (the previous test outlasted it): the requests wait for one fetch and share it.
      await sleep(COOLDOWN_SECONDS * 1000 + 200); // the backoff after the last failed fetch ends
      let started = Date.now();
      await Promise.all(
        services.map(async (service) => {
          const answers = await Promise.all(Array.from({ length: 40 }, () => callService(service, `Bearer ${tokenA}`)));
          for (const answer of answers) expectAnswer(service, answer, 200);
        }),
      );
      for (const service of services) expect(fetchesSince(service.name, started), service.name).toBe(1);

      // 2. The set has just expired: one request fetches, the others verify with the expired set at once.
      await sleep(CACHE_SECONDS * 1000 + 300 - (Date.now() - started - delay));
      started = Date.now();
      await Promise.all(
        services.map(async (service) => {
          const timed = await Promise.all(
            Array.from({ length: 40 }, async () => {
              const at = Date.now();
              const answer = await callService(service, `Bearer ${tokenA}`);
              return { answer, ms: Date.now() - at };
            }),
          );
          for (const { answer } of timed) expectAnswer(service, answer, 200);
          const waited = timed.filter(({ ms }) => ms >= delay / 2).length;
          expect(waited, `${service.name}: ${timed.map(({ ms }) => ms).join(' ')} ms`).toBeLessThanOrEqual(1);
        }),
      );
      for (const service of services) expect(fetchesSince(service.name, started), service.name).toBe(1);
    } finally {
      jwksDelayMs = 0;
    }
  });

  it('skips keys PyJWT cannot read in the JWKS, and verifies with the good one: no 500', async () => {
    jwksExtraKeys = [
      { kty: 'OKP', crv: 'X25519', x: 'hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo', kid: 'x25519' },
      { kty: 'XYZ', kid: 'xyz' },
      'not a key',
      { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA', kid: 'bad-point' },
      { kty: 'EC', crv: 'P-256', x: keyA.x, y: keyA.y, alg: 'RS256', kid: 'wrong-alg' },
      { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' },
    ];
    try {
      await sleep(CACHE_SECONDS * 1000 + 300); // the cached sets expire: the next request fetches this one
      const fetchedAt = Date.now();
      const forged = await mint(foreignKey, {}, { kid: keyA.kid });
      for (const service of services) {
        expectAnswer(service, await callService(service, `Bearer ${tokenA}`), 200);
        expect(fetchesSince(service.name, fetchedAt), service.name).toBe(1);
        expectAnswer(service, await callService(service, `Bearer ${forged}`), 401, 'TOKEN_INVALID');
        expectAnswer(service, await callService(service, `Bearer ${tokenA}`), 200);
        expect(service.output()).toContain('skipping a key PyJWT cannot read');
      }
    } finally {
      jwksExtraKeys = [];
    }
  });

  it('follows a key rotation: new key first, old tokens still verify; old key removed, they fail', async () => {
    // 1. New key B first, A kept: Liftoff signs with B at once; the services meet B's kid before their
    //    cached set expires, and fetch the JWKS again for it (the cooldown has passed).
    await worker.restartWith(withKeys([keyB, keyA]));
    await sleep(COOLDOWN_SECONDS * 1000);
    const tokenB = (await signIn(email)).access_token;
    expect(decodePart(tokenB, 0)).toMatchObject({ kid: keyB.kid, alg: 'EdDSA' });
    for (const service of services) {
      for (const token of [tokenB, tokenA]) {
        expectAnswer(service, await callService(service, `Bearer ${token}`), 200);
      }
    }

    // 2. A removed. The services trust A for as long as their cached set lives (the runbook waits
    //    ACCESS_TOKEN_TTL plus that time before this step): before they fetch again A still verifies,
    //    after it fails. The proxy's log says which case each answer is.
    const removedAt = Date.now();
    await worker.restartWith(withKeys([keyB]));
    for (const service of services) {
      const answer = await callService(service, `Bearer ${tokenA}`);
      if (fetchesSince(service.name, removedAt) === 0) expectAnswer(service, answer, 200);
      else expectAnswer(service, answer, 401, 'TOKEN_INVALID');
    }
    await sleep(CACHE_SECONDS * 1000 + 500);
    expect((await callLiftoff(`Bearer ${tokenA}`)).body.code).toBe('TOKEN_INVALID');
    for (const service of services) {
      expectAnswer(service, await callService(service, `Bearer ${tokenA}`), 401, 'TOKEN_INVALID');
      expectAnswer(service, await callService(service, `Bearer ${tokenB}`), 200);
      expect(fetchesSince(service.name, removedAt)).toBeGreaterThan(0);
    }
  });

  it('in HS256 mode (empty JWKS) answers 503 JWKS_EMPTY, telling the operator to switch to keys', async () => {
    await worker.restartWith(settings({ JWT_SECRET: randomBytes(32).toString('base64url') }));
    const jwks = (await (await fetch(`${api}/.well-known/jwks.json`)).json()) as { keys: unknown[] };
    expect(jwks).toEqual({ keys: [] });
    const token = (await signIn(email)).access_token;
    expect(decodePart(token, 0).alg).toBe('HS256');
    await sleep(CACHE_SECONDS * 1000 + 500); // until then, the cached keys refuse it as TOKEN_INVALID
    for (const service of services) {
      for (const header of [`Bearer ${token}`, `Bearer ${tokenA}`]) {
        const answer = await callService(service, header);
        expectAnswer(service, answer, 503, 'JWKS_EMPTY');
        expect(answer.body.error).toMatch(/HS256/);
        expect(answer.body.error).toContain('npm run --silent keys');
        expect(answer.body.error).toContain('JWT_SIGNING_KEYS');
      }
      // Header problems are still the client's, and answered first.
      expectAnswer(service, await callService(service), 401, 'AUTH_HEADER_MISSING');
    }
  });
});
