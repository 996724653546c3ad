// Other services verify Liftoff's access tokens through /.well-known/jwks.json, with no shared
// secret: the Python (PyJWT's PyJWKClient) and Node (jose) examples run against a running Liftoff,
// through the key-rotation runbook (add the new key first, keep the old, remove it later).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalWorker } from '../../scripts/lib/local-worker';
import { generateSigningKey } from '../../scripts/lib/signing-keys.mjs';
import { freePort } from './harness';
import { signInOverHttp } from './accounts';

const PYTHON = process.env.DEBIAN_PYTHON ?? '/usr/bin/python3';
const root = new URL('../../', import.meta.url).pathname;

let api: string;
let worker: Awaited<ReturnType<typeof startLocalWorker>>;
let persistDir: string;
const settings = (keys: unknown[]) => ({
  APP_ENV: 'test',
  APP_URL: 'http://app.localhost',
  API_URL: api,
  JWT_SIGNING_KEYS: JSON.stringify({ keys }),
  EMAIL_PROVIDER: 'log',
});

function pythonVerify(token: string) {
  return spawnSync(PYTHON, [join(root, 'examples/verify-token/verify.py'), api, token], { encoding: 'utf8' });
}

function nodeVerify(token: string) {
  return spawnSync(process.execPath, [join(root, 'examples/verify-token/verify.mjs'), api, token], {
    encoding: 'utf8',
    cwd: root,
  });
}

const signIn = (email: string, register = false) => signInOverHttp(api, email, { register });

const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid as string;

const oldKey = await generateSigningKey('ES256');
const newKey = await generateSigningKey('EdDSA');

beforeAll(async () => {
  api = `http://127.0.0.1:${await freePort()}`;
  persistDir = mkdtempSync(join(tmpdir(), 'liftoff-d1-'));
  worker = await startLocalWorker(inject('bundleDir'), settings([oldKey]), {
    port: Number(new URL(api).port),
    persistDir,
  });
});

afterAll(async () => {
  await worker?.mf.dispose();
  rmSync(persistDir, { recursive: true, force: true });
});

describe('verifying Liftoff tokens in other services', () => {
  it('verifies with PyJWT (Python) and jose (Node) from the JWKS, and refuses a tampered token', async () => {
    const { access_token: token, user } = await signIn(`interop-${Date.now()}@example.com`, true);
    const python = pythonVerify(token);
    expect(python.stderr).toBe('');
    expect(python.status).toBe(0);
    expect(JSON.parse(python.stdout)).toMatchObject({ sub: user.id, iss: api, aud: api, role: 'user' });
    const node = nodeVerify(token);
    expect(node.status).toBe(0);
    expect(JSON.parse(node.stdout)).toMatchObject({ sub: user.id });

    const [header, payload, signature] = token.split('.');
    const promoted = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'admin' }),
    ).toString('base64url');
    const tampered = `${header}.${promoted}.${signature}`;
    expect(pythonVerify(tampered).status).toBe(1);
    expect(nodeVerify(tampered).status).toBe(1);
  });

  it('follows the key-rotation runbook: old tokens verify until the old key is removed', async () => {
    const email = `rotation-${Date.now()}@example.com`;
    const before = (await signIn(email, true)).access_token;
    expect(kidOf(before)).toBe(oldKey.kid);

    // 1. Put the new key first, keep the old one: new tokens use the new key, old ones still verify.
    await worker.restartWith(settings([newKey, oldKey]));
    const after = (await signIn(email)).access_token;
    expect(kidOf(after)).toBe(newKey.kid);
    for (const token of [before, after]) {
      expect(pythonVerify(token).status).toBe(0);
      expect(nodeVerify(token).status).toBe(0);
      expect((await fetch(`${api}/api/me`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    }

    // 2. After ACCESS_TOKEN_TTL (and the JWKS cache time) remove the old key: its tokens stop verifying.
    await worker.restartWith(settings([newKey]));
    expect(pythonVerify(before).status).toBe(1);
    expect(nodeVerify(before).status).toBe(1);
    expect((await fetch(`${api}/api/me`, { headers: { Authorization: `Bearer ${before}` } })).status).toBe(401);
    expect(pythonVerify(after).status).toBe(0);
    const jwks = (await (await fetch(`${api}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string; d?: string }[];
    };
    expect(jwks.keys.map((k) => k.kid)).toEqual([newKey.kid]);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});
