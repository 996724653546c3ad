// D1 round trips per request, asserted: a regression in the number of queries fails CI.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { bearer, cookieHeader, register, STRONG_PASSWORD, uniqueIp } from './auth-helpers';
import { countingD1 } from './d1-counter';
import { callWithBindings } from './helpers';

async function measure(path: string, init?: RequestInit) {
  const { db, counts } = countingD1(env.DB);
  const response = await callWithBindings({ DB: db }, path, init);
  return { response, counts };
}

describe('query budgets', () => {
  it('requireAuth costs no round trip: GET /api/me makes exactly one (the user row)', async () => {
    const client = await register();
    const { response, counts } = await measure('/api/me', { headers: bearer(client.accessToken) });
    expect(response.status).toBe(200);
    expect(counts.roundTrips).toBe(1);
  });

  it('an invalid token is refused without touching D1', async () => {
    const { response, counts } = await measure('/api/me', { headers: bearer('a.b.c') });
    expect(response.status).toBe(401);
    expect(counts.roundTrips).toBe(0);
  });

  it('refresh is exactly one batch', async () => {
    const client = await register();
    const { response, counts } = await measure('/api/auth/refresh', { method: 'POST', headers: cookieHeader(client.refreshToken) });
    expect(response.status).toBe(200);
    expect(counts).toMatchObject({ roundTrips: 1, batches: 1 });
  });

  it('a successful login takes two round trips, a failed one two as well', async () => {
    const client = await register();
    const body = (password: string) => ({
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': uniqueIp() },
      body: JSON.stringify({ email: client.email, password }),
    });
    const ok = await measure('/api/auth/login', body(STRONG_PASSWORD));
    expect(ok.response.status).toBe(200);
    expect(ok.counts.roundTrips).toBe(2);
    const failed = await measure('/api/auth/login', body('wrong-password-1'));
    expect(failed.response.status).toBe(401);
    expect(failed.counts.roundTrips).toBe(2);
  });

  it('register takes two round trips', async () => {
    const { response, counts } = await measure('/api/auth/register', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': uniqueIp() },
      body: JSON.stringify({ email: `budget-${crypto.randomUUID()}@example.com`, password: STRONG_PASSWORD }),
    });
    expect(response.status).toBe(201);
    expect(counts.roundTrips).toBe(2);
  });

  it('health takes one', async () => {
    const { counts } = await measure('/api/health');
    expect(counts.roundTrips).toBe(1);
  });
});
