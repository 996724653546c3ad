// Account test helpers: unique emails and addresses, sign-up, log-in, refresh, deletion, cookies, D1 row counts.
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import { call, callWithBindings, cookieValue, postJson } from './http';

let counter = 0;
/** A unique email per call, so tests never collide however they are ordered. */
export function uniqueEmail(tag = 'user'): string {
  counter += 1;
  return `${tag}-${Date.now().toString(36)}-${counter}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

/** A unique client address per test, so per-address rate limits never leak between tests. */
export function uniqueIp(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(3));
  return `10.${bytes[0]}.${bytes[1]}.${bytes[2]}`;
}

export const STRONG_PASSWORD = 'mauve-orbit-tundra-42';

export interface SignedInClient {
  email: string;
  ip: string;
  accessToken: string;
  refreshToken: string;
  userId: string;
  body: Record<string, unknown>;
}

/** The refresh_token value in a response's Set-Cookie, or null when it sets none. */
export function refreshCookieFrom(response: Response): string | null {
  return cookieValue(response, 'refresh_token');
}

export function cookieHeader(refreshToken: string) {
  return { Cookie: `refresh_token=${refreshToken}` };
}

export async function register(
  input: { email?: string; password?: string; name?: string; ip?: string } = {},
): Promise<SignedInClient> {
  const email = input.email ?? uniqueEmail();
  const ip = input.ip ?? uniqueIp();
  const response = await postJson(
    '/api/auth/register',
    { email, password: input.password ?? STRONG_PASSWORD, ...(input.name ? { name: input.name } : {}) },
    { 'CF-Connecting-IP': ip },
  );
  expect(response.status).toBe(201);
  const body = await response.json<{ access_token: string; user: { id: string } }>();
  return {
    email,
    ip,
    accessToken: body.access_token,
    refreshToken: refreshCookieFrom(response)!,
    userId: body.user.id,
    body,
  };
}

/** A signed-in admin: promoted in D1, then signed in again so the token says admin too. */
export async function registerAdmin(): Promise<SignedInClient> {
  const client = await register({ name: 'Admin' });
  await env.DB.prepare("UPDATE users SET role = 'admin', email_verified_at = ?, password_vouched = 1 WHERE id = ?")
    .bind(Date.now(), client.userId)
    .run();
  const response = await login(client.email, STRONG_PASSWORD);
  const { access_token } = await response.json<{ access_token: string }>();
  return { ...client, accessToken: access_token };
}

/** call(), or callWithBindings() when the optional last `bindings` argument of the helpers below is given. */
function callMaybeWith(bindings: Record<string, unknown> | undefined, path: string, init: RequestInit) {
  return bindings ? callWithBindings(bindings, path, init) : call(path, init);
}

export function login(
  email: string,
  password: string,
  ip = uniqueIp(),
  headers: Record<string, string> = {},
  bindings?: Record<string, unknown>,
) {
  return callMaybeWith(bindings, '/api/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': ip, ...headers },
    body: JSON.stringify({ email, password }),
  });
}

export function refresh(
  refreshToken: string,
  headers: Record<string, string> = {},
  bindings?: Record<string, unknown>,
) {
  return callMaybeWith(bindings, '/api/auth/refresh', {
    method: 'POST',
    headers: { ...cookieHeader(refreshToken), ...headers },
  });
}

/** DELETE /api/me, with the proof in `body` (a password) when there is one. */
export function deleteMe(accessToken: string, body?: unknown, bindings?: Record<string, unknown>) {
  return callMaybeWith(bindings, '/api/me', {
    method: 'DELETE',
    headers: { ...bearer(accessToken), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export function bearer(accessToken: string) {
  return { Authorization: `Bearer ${accessToken}` };
}

/** Counts rows in a table, optionally filtered, to assert that a failed request changed nothing. */
export async function countRows(table: string, where = '1 = 1', ...params: unknown[]): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`)
    .bind(...params)
    .first<{ n: number }>();
  return row?.n ?? 0;
}
