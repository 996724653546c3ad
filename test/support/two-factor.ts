// Second-factor test helpers: an authenticator app in the test (the RFC 6238 code for any time step),
// enrolling a user, and the two steps of a sign-in.
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import { base32Decode, totp, TOTP_STEP_SECONDS } from '../../src/mfa/totp';
import { bearer, login, register, STRONG_PASSWORD, type SignedInClient } from './auth';
import { call, postJson } from './http';

export interface Authenticator {
  secret: Uint8Array;
  /** The code `steps` time steps from now (±1 is accepted; each step at most once). */
  code(steps?: number): Promise<string>;
}

export function authenticatorFor(base32Secret: string): Authenticator {
  const secret = base32Decode(base32Secret)!;
  return { secret, code: (steps = 0) => totp(secret, Date.now() + steps * TOTP_STEP_SECONDS * 1000) };
}

export function jsonCall(method: string, path: string, accessToken: string | null, body?: unknown, ip?: string) {
  return call(path, {
    method,
    headers: {
      ...(accessToken ? bearer(accessToken) : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(ip ? { 'CF-Connecting-IP': ip } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export interface EnrolledClient extends SignedInClient {
  app: Authenticator;
  recoveryCodes: string[];
}

/** A new account whose address is verified (second factors need it). */
export async function registerVerified(): Promise<SignedInClient> {
  const client = await register();
  await markVerified(client.userId);
  return client;
}

/** As opening the verification link from the session the password started: verified, and the password vouched for. */
export async function markVerified(userId: string) {
  await env.DB.prepare('UPDATE users SET email_verified_at = ?, password_vouched = 1 WHERE id = ?')
    .bind(Date.now(), userId)
    .run();
}

/** A new account with an authenticator app on (its confirming code used the current time step). */
export async function registerWithTotp(): Promise<EnrolledClient> {
  const client = await registerVerified();
  const started = await jsonCall('POST', '/api/me/2fa/totp', client.accessToken, {});
  expect(started.status).toBe(200);
  const { secret } = await started.json<{ secret: string }>();
  const app = authenticatorFor(secret);
  const confirmed = await jsonCall('POST', '/api/me/2fa/totp/confirm', client.accessToken, { code: await app.code() });
  expect(confirmed.status).toBe(200);
  const body = await confirmed.json<{ recovery_codes: string[]; access_token: string }>();
  return { ...client, accessToken: body.access_token, app, recoveryCodes: body.recovery_codes };
}

/** The first step: a right password on an account with a second factor. */
export async function mfaTokenFor(email: string, ip?: string): Promise<string> {
  const response = await login(email, STRONG_PASSWORD, ip);
  expect(response.status).toBe(200);
  const body = await response.json<{ mfa_required: boolean; mfa_token: string }>();
  expect(body.mfa_required).toBe(true);
  return body.mfa_token;
}

export function verify(body: Record<string, unknown>, ip?: string) {
  return postJson('/api/auth/2fa/verify', body, ip ? { 'CF-Connecting-IP': ip } : {});
}

/** The claims of an access token (not verified: the Worker did that). */
export function claimsOf(accessToken: string): Record<string, unknown> {
  const payload = accessToken.split('.')[1]!;
  return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
}
