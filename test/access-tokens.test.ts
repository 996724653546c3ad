// Access-token verification through a protected route: every forgery and mistake is a 401 with its code.
import { env } from 'cloudflare:test';
import {
  base64url,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type JWK,
} from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ErrorCode } from '../src/error-codes';
import { generateSigningKeySet } from '../scripts/lib/signing-keys.mjs';
import { bearer, login, register, STRONG_PASSWORD } from './support/auth';
import { advanceClock } from './support/clock';
import { call, callWithBindings, expectError } from './support/http';
import { TEST_API_URL } from './support/settings';

afterEach(() => vi.useRealTimers());

const testKeys = () =>
  JSON.parse((env as unknown as Record<string, string>).JWT_SIGNING_KEYS!).keys as (JWK & { kid: string })[];

function decodePart(part: string) {
  return JSON.parse(new TextDecoder().decode(base64url.decode(part)));
}

function encodePart(value: unknown) {
  return base64url.encode(JSON.stringify(value));
}

async function expect401(token: string | null, code: ErrorCode, headerValue?: string) {
  const headers: Record<string, string> = {};
  if (headerValue !== undefined) headers.Authorization = headerValue;
  else if (token !== null) headers.Authorization = `Bearer ${token}`;
  const response = await call('/api/me', { headers });
  await expectError(response, 401, code);
  expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer/);
}

/** Signs claims with the test's real private key, so only the aspect under test is wrong. */
async function signWithTestKey(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const jwk = testKeys()[0]!;
  const key = await importJWK(jwk, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid: 's', role: 'user', jti: 'j', ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid, ...header })
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .setIssuer((claims.iss as string) ?? TEST_API_URL)
    .setAudience((claims.aud as string) ?? TEST_API_URL)
    .setSubject((claims.sub as string) ?? 'user-1')
    .sign(key);
}

describe('access tokens', () => {
  it('are ES256 JWTs with typ at+jwt, a kid, and the contract claims', async () => {
    const client = await register();
    const [header, payload] = client.accessToken.split('.').slice(0, 2).map(decodePart);
    expect(header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: testKeys()[0]!.kid });
    expect(Object.keys(payload).sort()).toEqual([
      'aal',
      'amr',
      'aud',
      'auth_time',
      'exp',
      'iat',
      'iss',
      'jti',
      'role',
      'sid',
      'sub',
    ]);
    expect(payload).toMatchObject({ iss: TEST_API_URL, aud: TEST_API_URL, sub: client.userId, role: 'user' });
    expect(payload).toMatchObject({ amr: ['pwd'], aal: 'aal1', auth_time: payload.iat });
    expect(payload.exp - payload.iat).toBe(900);
  });

  it('refuse a malformed amr or auth_time, and read a token from before them as proven at issue', async () => {
    const client = await register();
    const sid = decodePart(client.accessToken.split('.')[1]!).sid as string;
    const claims = { sub: client.userId, sid };
    for (const bad of [
      { amr: 'pwd' },
      { amr: ['pwd', 'magic'] },
      { amr: ['pwd otp'] },
      { amr: [1] },
      { amr: ['pwd'], auth_time: '1' },
      { amr: ['pwd'], auth_time: 1.5 },
    ]) {
      await expect401(await signWithTestKey({ ...claims, ...bad }), 'TOKEN_INVALID');
    }
    const legacy = await call('/api/me', { headers: { Authorization: `Bearer ${await signWithTestKey(claims)}` } });
    expect(legacy.status).toBe(200);
  });

  it('verify with a standard JWKS client against /.well-known/jwks.json', async () => {
    const client = await register();
    const jwksResponse = await call('/.well-known/jwks.json');
    expect(jwksResponse.status).toBe(200);
    expect(jwksResponse.headers.get('Cache-Control')).toBe('public, max-age=300');
    const jwks = await jwksResponse.json<{ keys: JWK[] }>();
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
    const { payload, protectedHeader } = await jwtVerify(client.accessToken, createLocalJWKSet(jwks), {
      issuer: TEST_API_URL,
      audience: TEST_API_URL,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    expect(payload.sub).toBe(client.userId);
    expect(protectedHeader.kid).toBe(jwks.keys[0]!.kid);
  });

  it('answer AUTH_HEADER_MISSING and AUTH_HEADER_MALFORMED for absent or odd headers', async () => {
    await expect401(null, 'AUTH_HEADER_MISSING');
    await expect401(null, 'AUTH_HEADER_MISSING', '');
    const client = await register();
    for (const value of [
      `Basic ${client.accessToken}`,
      'Bearer',
      'Bearer ',
      `Bearer ${client.accessToken} extra`,
      client.accessToken,
      `Token ${client.accessToken}`,
    ]) {
      await expect401(null, 'AUTH_HEADER_MALFORMED', value);
    }
    // The scheme is case-insensitive (RFC 7235).
    expect((await call('/api/me', { headers: { Authorization: `bearer ${client.accessToken}` } })).status).toBe(200);
  });

  it('answer TOKEN_EXPIRED once exp has passed', async () => {
    const client = await register();
    advanceClock(901_000);
    await expect401(client.accessToken, 'TOKEN_EXPIRED');
  });

  it('reject garbage and tampering with TOKEN_INVALID', async () => {
    const client = await register();
    const [h, p, s] = client.accessToken.split('.') as [string, string, string];
    const promoted = encodePart({ ...decodePart(p), role: 'admin' });
    for (const token of [
      'x',
      'a.b.c',
      `${h}.${p}`,
      `${h}.${promoted}.${s}`,
      `${h}.${p}.${s.slice(0, -4)}AAAA`,
      `${h}.${p}.`,
    ]) {
      await expect401(token, 'TOKEN_INVALID');
    }
  });

  it('reject alg "none"', async () => {
    const client = await register();
    const [, p] = client.accessToken.split('.');
    await expect401(`${encodePart({ alg: 'none', typ: 'at+jwt', kid: testKeys()[0]!.kid })}.${p}.`, 'TOKEN_INVALID');
  });

  it('reject HS256 signed with the public key (algorithm confusion)', async () => {
    const client = await register();
    const publicJwk = (await (await call('/.well-known/jwks.json')).json<{ keys: JWK[] }>()).keys[0]!;
    const [, p] = client.accessToken.split('.');
    const header = encodePart({ alg: 'HS256', typ: 'at+jwt', kid: publicJwk.kid });
    const hmacKey = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(JSON.stringify(publicJwk)),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const signature = await crypto.subtle.sign('HMAC', hmacKey, new TextEncoder().encode(`${header}.${p}`));
    await expect401(`${header}.${p}.${base64url.encode(new Uint8Array(signature))}`, 'TOKEN_INVALID');
  });

  it('ignore forged kid, jku and embedded jwk headers', async () => {
    const attacker = await generateKeyPair('ES256', { extractable: true });
    const attackerJwk = await exportJWK(attacker.publicKey);
    const now = Math.floor(Date.now() / 1000);
    const forge = (header: Record<string, unknown>) =>
      new SignJWT({ sid: 's', role: 'admin' })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', ...header })
        .setIssuer(TEST_API_URL)
        .setAudience(TEST_API_URL)
        .setSubject('victim')
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .setJti('j')
        .sign(attacker.privateKey);
    await expect401(await forge({ kid: 'attacker-kid' }), 'TOKEN_INVALID');
    await expect401(await forge({ kid: testKeys()[0]!.kid }), 'TOKEN_INVALID');
    await expect401(await forge({ kid: testKeys()[0]!.kid, jwk: attackerJwk }), 'TOKEN_INVALID');
    await expect401(await forge({ kid: testKeys()[0]!.kid, jku: 'https://evil.example/jwks.json' }), 'TOKEN_INVALID');
    await expect401(await forge({}), 'TOKEN_INVALID');
  });

  it('reject a wrong issuer, audience or type, even correctly signed', async () => {
    await expect401(await signWithTestKey({ iss: 'https://other.example' }), 'TOKEN_INVALID');
    await expect401(await signWithTestKey({ aud: 'https://other.example' }), 'TOKEN_INVALID');
    await expect401(await signWithTestKey({}, { typ: 'JWT' }), 'TOKEN_INVALID');
    await expect401(await signWithTestKey({ role: 'root' }), 'TOKEN_INVALID');
  });

  it('require exp', async () => {
    const jwk = testKeys()[0]!;
    const token = await new SignJWT({ sid: 's', role: 'user', jti: 'j' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid })
      .setIssuer(TEST_API_URL)
      .setAudience(TEST_API_URL)
      .setSubject('u')
      .setIssuedAt()
      .sign(await importJWK(jwk, 'ES256'));
    await expect401(token, 'TOKEN_INVALID');
  });

  it('verify against every configured key, so a rotated-out signer still verifies until removed', async () => {
    const client = await register();
    const next = (await generateSigningKeySet('EdDSA')).keys[0]!;
    const rotated = JSON.stringify({ keys: [next, ...testKeys()] });
    const response = await callWithBindings({ JWT_SIGNING_KEYS: rotated }, '/api/me', {
      headers: bearer(client.accessToken),
    });
    expect(response.status).toBe(200);
    const jwks = await (
      await callWithBindings({ JWT_SIGNING_KEYS: rotated }, '/.well-known/jwks.json')
    ).json<{ keys: JWK[] }>();
    expect(jwks.keys.map((k) => k.kid)).toEqual([next.kid, testKeys()[0]!.kid]);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    const removed = await callWithBindings({ JWT_SIGNING_KEYS: JSON.stringify({ keys: [next] }) }, '/api/me', {
      headers: bearer(client.accessToken),
    });
    expect(removed.status).toBe(401);
  });

  it('work in HS256 mode with an empty JWKS, and refuse ES256 tokens there', async () => {
    const secret = 's'.repeat(40);
    const hmac = { JWT_SIGNING_KEYS: '', JWT_SECRET: secret };
    const client = await register();
    const jwks = await (await callWithBindings(hmac, '/.well-known/jwks.json')).json<{ keys: unknown[] }>();
    expect(jwks).toEqual({ keys: [] });
    expect((await callWithBindings(hmac, '/api/me', { headers: bearer(client.accessToken) })).status).toBe(401);
    const loggedIn = await login(client.email, STRONG_PASSWORD, '10.250.0.1', {}, hmac);
    const { access_token } = await loggedIn.json<{ access_token: string }>();
    expect(decodePart(access_token.split('.')[0]!)).toMatchObject({ alg: 'HS256', typ: 'at+jwt' });
    expect((await callWithBindings(hmac, '/api/me', { headers: bearer(access_token) })).status).toBe(200);
  });
});
