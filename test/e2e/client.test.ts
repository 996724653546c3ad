// @liftoff/client (client/) against the built Worker: its generated types equal what the current
// routes generate, its runtime code stays small, and its API-key calls work in Node over HTTP (a
// user's keys, an organization's by role, `self(key)`, the step-up a stale sign-in needs). (Its
// behaviour against a scripted fetch: client/test/.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLiftoffClient, isLiftoffError, type LiftoffClient } from '../../client/src/index';
import { CLIENT_TYPES_PATH, generateClientTypes } from '../../scripts/lib/client-types';
import { freePort } from '../../scripts/lib/free-port';
import { startLocalWorker } from '../../scripts/lib/local-worker';
import { readOpenApiDocument } from '../../scripts/lib/openapi-document';
import { generateSigningKeySet } from '../../scripts/lib/signing-keys.mjs';
import { E2E_PASSWORD } from './accounts';

const root = new URL('../..', import.meta.url).pathname;
const RUNTIME_GZIP_BUDGET = 8 * 1024;

describe('@liftoff/client', () => {
  it('has the types the current OpenAPI document generates (run `npm run client:types` after changing a route)', async () => {
    const generated = await generateClientTypes(await readOpenApiDocument(inject('bundleDir')));
    expect(readFileSync(join(root, CLIENT_TYPES_PATH), 'utf8')).toBe(generated);
  });

  it('builds to modules that plain Node 20 loads (no bundler), and lets the process exit', () => {
    // Inside client/, so that Node resolves openapi-fetch from the workspace's node_modules.
    const outDir = mkdtempSync(join(root, 'client', '.dist-test-'));
    try {
      const tsc = spawnSync(
        join(root, 'node_modules/.bin/tsc'),
        ['-p', 'client/tsconfig.build.json', '--outDir', outDir],
        {
          cwd: root,
          encoding: 'utf8',
        },
      );
      expect(tsc.status, tsc.stdout).toBe(0);
      const script = `const { createLiftoffClient, LiftoffError } = await import(${JSON.stringify(join(outDir, 'index.js'))});
        const client = createLiftoffClient({ baseUrl: 'http://127.0.0.1:9' });
        console.log(JSON.stringify({ api: typeof client.api.GET, error: typeof LiftoffError, state: client.auth.state }));`;
      const node = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 10_000,
      });
      expect(node.status, node.stderr).toBe(0);
      expect(JSON.parse(node.stdout)).toEqual({
        api: 'function',
        error: 'function',
        state: { signedIn: false, user: null, organization: null },
      });
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });

  it('ships at most 8 KiB gzip of runtime code, openapi-fetch included', async () => {
    // As a front end's bundler would include it: the package entry, bundled and minified.
    const result = await build({
      entryPoints: [join(root, 'client/src/index.ts')],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'warning',
    });
    const gzip = gzipSync(result.outputFiles[0]!.contents).byteLength;
    console.log(`@liftoff/client runtime: ${(gzip / 1024).toFixed(2)} KiB gzip`);
    expect(gzip).toBeLessThanOrEqual(RUNTIME_GZIP_BUDGET);
  });
});

describe("@liftoff/client's API keys, in Node against the built Worker", () => {
  let api: string;
  let worker: Awaited<ReturnType<typeof startLocalWorker>>;

  beforeAll(async () => {
    const port = await freePort();
    api = `http://localhost:${port}`;
    worker = await startLocalWorker(
      inject('bundleDir'),
      {
        APP_ENV: 'test',
        APP_URL: 'http://app.localhost',
        API_URL: api,
        JWT_SIGNING_KEYS: JSON.stringify(await generateSigningKeySet('ES256')),
        EMAIL_PROVIDER: 'log',
      },
      { port },
    );
  });

  afterAll(async () => {
    await worker?.mf.dispose();
  });

  /**
   * A client whose fetch keeps the API's refresh cookie, as a browser does (Node has no cookie jar):
   * `auth.restore()` then refreshes, as a reload does.
   */
  function client(): LiftoffClient {
    let cookie: string | null = null;
    return createLiftoffClient({
      baseUrl: api,
      coordinateTabs: false,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        if (cookie) request.headers.set('Cookie', cookie);
        const response = await fetch(request);
        // Set-Cookie lines, joined by ", " (the cookie's value has neither a comma nor a semicolon).
        const set = /(?:^|, )(refresh_token=[^;]*)/.exec(response.headers.get('Set-Cookie') ?? '');
        if (set) cookie = set[1]!;
        return response;
      },
    });
  }

  let users = 0;
  /** A new account, signed in; its address verified (as its emailed link would) unless `verified` is false. */
  async function signedUp(verified = true) {
    const liftoff = client();
    const user = await liftoff.auth.signUp({
      email: `keys-${Date.now()}-${++users}@example.com`,
      password: E2E_PASSWORD,
    });
    if (verified) {
      await worker.db.prepare('UPDATE users SET email_verified_at = ? WHERE id = ?').bind(Date.now(), user.id).run();
    }
    return { liftoff, user };
  }

  const thrown = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the call to throw');
      },
      (error: unknown) => error,
    );

  it("makes a user's key shown once, lists it without the secret, describes it with self(key), and revokes it", async () => {
    const { liftoff, user } = await signedUp();
    const made = await liftoff.apiKeys.create({ name: 'Nightly export', scopes: ['read', 'billing:read'] });
    expect(made).toMatchObject({
      name: 'Nightly export',
      owner: { type: 'user', id: user.id },
      scopes: ['read', 'billing:read'],
      status: 'active',
      expires_at: null,
      created_by: user.id,
      last_used_at: null,
      revoked_at: null,
    });
    expect(made.key.startsWith(made.start)).toBe(true);
    expect(made.key.endsWith(made.last4)).toBe(true);

    const [listed] = await liftoff.apiKeys.list();
    expect(listed).toEqual({ ...made, key: undefined });
    expect(JSON.stringify(await liftoff.apiKeys.list())).not.toContain(made.key);

    // self() presents the key, not the session the client holds (that would be API_KEY_MALFORMED).
    const self = await liftoff.apiKeys.self(made.key);
    expect(self).toMatchObject({
      id: made.id,
      owner: { type: 'user', id: user.id },
      scopes: ['read', 'billing:read'],
      rate_limit: { limit: made.rate_limit_per_minute, remaining: made.rate_limit_per_minute - 1 },
    });
    // And it needs no session at all.
    expect((await client().apiKeys.self(made.key)).id).toBe(made.id);
    // The key reads the account, as a script of the user's would.
    const me = await fetch(`${api}/api/me`, { headers: { Authorization: `Bearer ${made.key}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: user.id });

    const revoked = await liftoff.apiKeys.revoke(made.id);
    expect(revoked).toMatchObject({ id: made.id, status: 'revoked', revoked_at: expect.any(String) });
    const refused = await thrown(liftoff.apiKeys.self(made.key));
    expect(isLiftoffError(refused, 'API_KEY_REVOKED')).toBe(true);
    expect(refused).toMatchObject({ status: 401, requestId: expect.any(String) });
    expect(liftoff.auth.state.signedIn).toBe(true); // a refused key is not the session's business
    expect((await liftoff.apiKeys.list()).map((key) => key.status)).toEqual(['revoked']);
    // Revoking again changes nothing.
    expect((await liftoff.apiKeys.revoke(made.id)).revoked_at).toBe(revoked.revoked_at);

    const mistyped = await thrown(liftoff.apiKeys.self(`${made.key.slice(0, -1)}x`));
    expect(isLiftoffError(mistyped, 'API_KEY_MALFORMED')).toBe(true);
  });

  it('refuses a key to an unverified address, a past expiry, and an unknown id, with typed errors', async () => {
    const { liftoff } = await signedUp(false);
    const unverified = await thrown(liftoff.apiKeys.create({ name: 'x', scopes: ['read'] }));
    expect(isLiftoffError(unverified, 'FORBIDDEN')).toBe(true);

    const { liftoff: verified } = await signedUp();
    const past = await thrown(
      verified.apiKeys.create({ name: 'x', scopes: ['read'], expires_at: new Date(Date.now() - 60_000).toISOString() }),
    );
    expect(isLiftoffError(past, 'VALIDATION_ERROR')).toBe(true);
    expect(past).toMatchObject({ status: 400, issues: [{ path: 'expires_at', message: 'must be in the future' }] });
    const expiring = await verified.apiKeys.create({
      name: 'Tomorrow',
      scopes: ['read'],
      expires_at: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(expiring.expires_at).toEqual(expect.any(String));
    expect(isLiftoffError(await thrown(verified.apiKeys.revoke('no-such-key')), 'NOT_FOUND')).toBe(true);
    expect(await verified.apiKeys.list()).toHaveLength(1);
  });

  it('answers STEP_UP_REQUIRED when the sign-in is more than 10 minutes old; twoFactor.stepUp() then lets the same call through', async () => {
    const { liftoff, user } = await signedUp();
    // As if the sign-in had happened 11 minutes ago: the session's proof time, which refreshed
    // tokens carry as `auth_time`; restore() refreshes, as a reload would.
    await worker.db
      .prepare('UPDATE sessions SET authenticated_at = ? WHERE user_id = ?')
      .bind(Date.now() - 11 * 60_000, user.id)
      .run();
    await liftoff.auth.restore();
    const create = () => liftoff.apiKeys.create({ name: 'Deploys', scopes: ['write'] });
    const stale = await thrown(create());
    expect(isLiftoffError(stale, 'STEP_UP_REQUIRED')).toBe(true);
    expect(stale).toMatchObject({ status: 403 });
    expect(await liftoff.apiKeys.list()).toEqual([]); // listing needs no recent sign-in
    // An account without a second factor steps up with its password.
    await liftoff.twoFactor.stepUp({ password: E2E_PASSWORD });
    expect((await create()).scopes).toEqual(['write']);
  });

  it("manages an organization's keys as an admin or owner; a member gets ORG_ROLE_REQUIRED, an outsider NOT_FOUND", async () => {
    const [owner, member, outsider] = [await signedUp(), await signedUp(), await signedUp()];
    const org = await owner.liftoff.orgs.create({ name: `Keys ${Date.now()}` });
    await worker.db
      .prepare("INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (?, ?, 'member', ?)")
      .bind(org.id, member.user.id, Date.now())
      .run();

    const ownersKeys = owner.liftoff.apiKeys.forOrg(org.id);
    const made = await ownersKeys.create({ name: 'Billing export', scopes: ['billing:read'] });
    expect(made.owner).toEqual({ type: 'organization', id: org.id });
    expect(made.created_by).toBe(owner.user.id);
    expect((await owner.liftoff.apiKeys.self(made.key)).owner).toEqual({ type: 'organization', id: org.id });
    // Not the owner's own keys.
    expect(await owner.liftoff.apiKeys.list()).toEqual([]);

    const membersKeys = member.liftoff.apiKeys.forOrg(org.id);
    for (const call of [
      () => membersKeys.list(),
      () => membersKeys.create({ name: 'Mine now', scopes: ['read'] }),
      () => membersKeys.revoke(made.id),
    ]) {
      const error = await thrown(call());
      expect(isLiftoffError(error, 'ORG_ROLE_REQUIRED')).toBe(true);
      expect(error).toMatchObject({ status: 403 });
    }
    const outsiders = await thrown(outsider.liftoff.apiKeys.forOrg(org.id).list());
    expect(isLiftoffError(outsiders, 'NOT_FOUND')).toBe(true);
    // An organization's key id is not a user's to revoke.
    expect(isLiftoffError(await thrown(owner.liftoff.apiKeys.revoke(made.id)), 'NOT_FOUND')).toBe(true);

    // Made an admin, the member manages them.
    await owner.liftoff.orgs.setRole(org.id, member.user.id, 'admin');
    expect((await membersKeys.list()).map((key) => key.id)).toEqual([made.id]);
    expect(await membersKeys.revoke(made.id)).toMatchObject({ id: made.id, status: 'revoked' });
    expect(isLiftoffError(await thrown(owner.liftoff.apiKeys.self(made.key)), 'API_KEY_REVOKED')).toBe(true);
  });
});
